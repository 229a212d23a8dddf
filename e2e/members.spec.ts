import type { Page } from "@playwright/test";
import { expect, openBoard, test, userPage } from "./fixtures";

/** The 5th version of the playlist, frame 1004: a spot other specs do not draw on. */
async function goToSpot(page: Page): Promise<void> {
  await page.getByTestId("playlist-item-4").click();
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("frame-number")).toHaveText("1004");
}

async function drawStroke(page: Page, at: number): Promise<void> {
  const box = (await page.getByTestId("frame-surface").boundingBox())!;
  await page.mouse.move(box.x + box.width * at, box.y + box.height * 0.3);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++)
    await page.mouse.move(box.x + box.width * (at + i * 0.02), box.y + box.height * (0.3 + i * 0.03));
  await page.mouse.up();
}

function inDays(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

test.describe("members and show lock", () => {
  test("a producer adds a reviewer with an expiry; removing them ends their open board and says why", async ({
    browser,
    app,
  }) => {
    const priya = await userPage(browser, app, "priya");
    await priya.goto(`${app.url}/shows/moonfall`);
    await priya.getByRole("link", { name: "Members" }).click();
    await expect(priya.getByRole("heading", { name: "Members of Moonfall" })).toBeVisible();

    const form = priya.getByRole("form", { name: "Add a member" });
    // An address nobody uses is refused with what to do.
    await form.getByLabel("Email").fill("ghost@shotboard.test");
    await form.getByRole("button", { name: "Add member" }).click();
    await expect(form.getByRole("alert")).toHaveText(/No Shotboard account uses ghost@shotboard\.test/);

    const until = inDays(14);
    await form.getByLabel("Email").fill("nomad@shotboard.test");
    await form.getByLabel(/^Role/).selectOption("reviewer");
    await form.getByLabel("Access until (optional)").fill(until);
    await form.getByRole("button", { name: "Add member" }).click();
    await expect(form.getByText("Noa Madsen was added as reviewer.")).toBeVisible();
    const row = priya.getByTestId("member-nomad@shotboard.test");
    await expect(row.getByLabel("Role of Noa Madsen")).toHaveValue("reviewer");
    await expect(row.getByLabel("Access of Noa Madsen until")).toHaveValue(until);

    // Nomad now sees Moonfall and its board, live.
    const nomad = await userPage(browser, app, "nomad");
    await expect(nomad.getByRole("link", { name: /Moonfall/ })).toBeVisible();
    const boardUrl = await openBoard(nomad, app, "moonfall");
    const dana = await userPage(browser, app, "dana");
    await dana.goto(boardUrl);
    const sam = await userPage(browser, app, "sam");
    await sam.goto(boardUrl);
    for (const p of [nomad, dana, sam]) {
      await expect(p.getByTestId("connection")).toHaveText(/live/i);
      await goToSpot(p);
    }
    await drawStroke(dana, 0.2);
    await expect(nomad.getByTestId("stroke")).toHaveCount(1);
    await expect(sam.getByTestId("stroke")).toHaveCount(1);

    // The producer removes nomad: their open board stops and says why.
    await row.getByRole("button", { name: "Remove Noa Madsen…" }).click();
    await row.getByRole("button", { name: "Remove Noa Madsen", exact: true }).click();
    await expect(row).toHaveCount(0);
    await expect(nomad.getByTestId("connection")).toHaveText(/Your access to this show has ended/, {
      timeout: 10_000,
    });
    await expect(nomad.getByRole("alert").filter({ hasText: "access to this show has ended" })).toBeVisible();

    // Dana draws again: sam sees it, nomad does not.
    await drawStroke(dana, 0.5);
    await expect(sam.getByTestId("stroke")).toHaveCount(2);
    await expect(dana.getByTestId("stroke")).toHaveCount(2);
    await expect(nomad.getByTestId("stroke")).toHaveCount(1);

    // And the show is gone for nomad.
    await nomad.reload();
    await expect(nomad.getByText(/not found/i).first()).toBeVisible();
  });

  test("a producer locks the show: open boards turn read-only with a banner; unlocking restores them", async ({
    browser,
    app,
  }) => {
    const dana = await userPage(browser, app, "dana");
    await openBoard(dana, app, "moonfall");
    await goToSpot(dana);
    const pen = dana.getByRole("button", { name: "Pen", exact: true });
    await expect(pen).toBeEnabled();
    await expect(
      dana.getByRole("region", { name: "Sign-off" }).getByRole("button", { name: "Approve" }),
    ).toBeVisible();

    const priya = await userPage(browser, app, "priya");
    await priya.goto(`${app.url}/shows/moonfall`);
    await priya.getByRole("button", { name: "Lock show…" }).click();
    await priya.getByRole("button", { name: "Lock now" }).click();
    await expect(priya.getByTestId("locked-banner")).toHaveText(/Locked — read-only/);

    try {
      await expect(dana.getByTestId("locked-banner")).toHaveText(/Locked — read-only/);
      await expect(pen).toBeDisabled();
      await expect(
        dana.getByRole("region", { name: "Sign-off" }).getByRole("button", { name: "Approve" }),
      ).toHaveCount(0);
      await expect(dana.getByTestId("signoff-hint")).toHaveText(/locked/i);
      // A freshly opened page says the same.
      await dana.reload();
      await expect(dana.getByTestId("locked-banner")).toBeVisible();
      await expect(dana.getByRole("button", { name: "Pen", exact: true })).toBeDisabled();
    } finally {
      await priya.getByRole("button", { name: "Unlock show" }).click();
    }
    await expect(priya.getByTestId("locked-banner")).toHaveCount(0);
    await expect(dana.getByTestId("locked-banner")).toHaveCount(0);
    await expect(dana.getByRole("button", { name: "Pen", exact: true })).toBeEnabled();
  });
});

test.describe("studio admin", () => {
  test("creates a show and names its first producer, without getting into it", async ({ browser, app }) => {
    const admin = await userPage(browser, app, "admin");
    await admin.getByRole("link", { name: "Studio admin: create a show" }).click();
    const form = admin.getByRole("form", { name: "Create a show" });
    await form.getByLabel("Title").fill("Kiln");
    await form.getByLabel("Slug (in the show's address)").fill("moonfall");
    await form.getByLabel("Code name (optional)").fill("EMBER");
    await form.getByLabel("First producer's email").fill("priya@shotboard.test");
    await form.getByRole("button", { name: "Create show" }).click();
    await expect(form.getByRole("alert")).toHaveText(/slug "moonfall" is already taken/);
    await form.getByLabel("Slug (in the show's address)").fill("kiln");
    await form.getByRole("button", { name: "Create show" }).click();
    await expect(form.getByTestId("created-show")).toHaveText(
      /Created Kiln .*Priya Natarajan is its producer/,
    );

    await admin.goto(`${app.url}/shows/kiln`);
    await expect(admin.getByText(/not found/i).first()).toBeVisible();

    const priya = await userPage(browser, app, "priya");
    await priya.getByRole("link", { name: /Kiln/ }).click();
    await expect(priya.getByRole("heading", { name: /Kiln/ })).toBeVisible();
    await expect(priya.getByRole("link", { name: "Members" })).toBeVisible();

    // Not an admin: the page says so.
    await priya.goto(`${app.url}/admin`);
    await expect(priya.getByRole("main").getByRole("alert")).toHaveText(/for studio admins/);
  });
});
