import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "~/db/client";
import { seedDemo } from "~/server/seed/demo";
import { LocalMediaStore } from "~/server/storage/media-store";
import { addConsent, addLikenessUse, addTalent, setProvenance } from "~/testing/governance";
import { type AppProcess, startApp } from "./app";
import { test as base, expect, openBoard, userPage } from "./fixtures";

/**
 * The demo studio plus governance data, written into the embedded database before the app
 * opens it (PGlite allows one process per folder): SQ010_SH0010 v2 is AI-generated with full
 * provenance and a consented likeness; SQ010_SH0020 v2 uses a likeness nobody consented to.
 */
async function preparedDataDir(): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "shotboard-e2e-signoff-"));
  const handle = await openDatabase({ dataDir });
  try {
    const seed = await seedDemo(handle.db, new LocalMediaStore(path.join(dataDir, "media")), { frames: 3 });
    const moonfall = seed.shows.moonfall!;
    const showId = moonfall.id;
    const db = handle.db;
    const mira = await addTalent(db, { showId, name: "Mira Solis" });
    await addConsent(db, {
      showId,
      talentId: mira,
      scope: "Digital double, Moonfall",
      reference: "SAG-0042",
    });
    await addLikenessUse(db, { showId, versionId: moonfall.versionIds[1]!, talentId: mira });
    await setProvenance(db, {
      showId,
      versionId: moonfall.versionIds[1]!,
      sourceType: "trainedAlgorithmicMedia",
      model: "flux",
      modelVersion: "1.1-pro",
      provider: "BFL",
    });
    const jonah = await addTalent(db, { showId, name: "Jonah Pike" });
    await addLikenessUse(db, { showId, versionId: moonfall.versionIds[3]!, talentId: jonah });
  } finally {
    await handle.close();
  }
  return dataDir;
}

const test = base.extend<object, { app: AppProcess }>({
  app: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixture signature
    async ({}, use) => {
      const dataDir = await preparedDataDir();
      const app = await startApp({ dataDir });
      await use(app);
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    { scope: "worker", timeout: 180_000 },
  ],
});

test.describe("sign-off, gates and credits", () => {
  test("a director approves and sees what was approved", async ({ browser, app }) => {
    const dana = await userPage(browser, app, "dana");
    await openBoard(dana, app, "moonfall");
    await dana.getByTestId("playlist-item-1").click();
    const panel = dana.getByRole("region", { name: "Sign-off" });
    await expect(panel.locator("h3")).toContainText("SQ010_SH0010 v2");
    await expect(panel.getByTestId("gates")).toHaveText(/likeness consent on · AI provenance on/);
    await expect(panel.getByText("Mira Solis (consent active)")).toBeVisible();
    await expect(panel.getByTestId("gate-blockers")).toHaveCount(0);

    await panel.getByLabel("Decision note").fill("Lovely, ship it");
    await panel.getByRole("button", { name: "Approve" }).click();
    await expect(panel.locator(".badge").first()).toHaveText(/approved/i);
    const approved = panel.getByTestId("what-was-approved");
    await expect(approved).toContainText("What was approved: Dana Okafor");
    await expect(approved.getByTestId("approved-frames")).toContainText("3 frames");
    await expect(approved.locator("ol.hashes li")).toHaveCount(3);
    await expect(approved.getByTestId("approved-provenance")).toHaveText(/^[0-9a-f]{12}…$/);
    await expect(approved.getByTestId("approved-consents")).toContainText(
      "Mira Solis: Digital double, Moonfall (ref SAG-0042)",
    );
    await expect(approved.getByTestId("drift-frames")).toHaveCount(0);
    await expect(panel.getByTestId("gates")).toContainText("media and provenance frozen since");
    await expect(panel.getByRole("button", { name: "Reopen" })).toBeVisible();
    await expect(panel.getByRole("button", { name: "Approve" })).toHaveCount(0);

    // The audit log shows the approval, and the chain verifies.
    await dana.goto(`${app.url}/shows/moonfall/audit`);
    await expect(dana.getByTestId("audit-verdict")).toContainText(
      /Intact, \d+ events, head hash [0-9a-f]{64}/,
    );
    await expect(dana.getByTestId("audit-event").filter({ hasText: "decision.approved" })).toHaveCount(1);
  });

  test("a gate refuses a version with an uncovered likeness and says what to do", async ({
    browser,
    app,
  }) => {
    const dana = await userPage(browser, app, "dana");
    await openBoard(dana, app, "moonfall");
    await dana.getByTestId("playlist-item-3").click();
    const panel = dana.getByRole("region", { name: "Sign-off" });
    await expect(panel.locator("h3")).toContainText("SQ010_SH0020 v2");
    await expect(panel.getByText("Jonah Pike (no active consent)")).toBeVisible();
    await expect(panel.getByTestId("gate-blockers")).toContainText("Approval is blocked");

    await panel.getByRole("button", { name: "Approve" }).click();
    const alert = panel.getByRole("alert");
    await expect(alert).toContainText("Sign-off refused.");
    await expect(alert).toContainText(
      "uses the likeness of Jonah Pike, who has no active consent for this show",
    );
    await expect(alert).toContainText(
      "Ask a producer to record (or renew) Jonah Pike's likeness consent in the talent registry",
    );
    await expect(panel.locator(".badge").first()).toHaveText(/pending review/i);
    await expect(panel.getByTestId("what-was-approved")).toHaveCount(0);
  });

  test("a producer exports the credits CSV and its rows match the shots", async ({ browser, app }) => {
    const priya = await userPage(browser, app, "priya");
    await priya.goto(`${app.url}/shows/moonfall`);
    await priya.getByRole("link", { name: "Credits" }).click();
    await expect(priya.getByRole("heading", { name: "Credits", level: 1 })).toBeVisible();
    // SQ010_SH0010 was approved above: its credits were proposed from the data and locked.
    const first = priya.getByTestId("shot-credits-SQ010_SH0010");
    await expect(first.getByText("credits locked")).toBeVisible();
    await expect(first.getByTestId("credit-row")).toHaveCount(4);
    await expect(first).toContainText("flux@1.1-pro (BFL)");
    await expect(priya.getByTestId("ai-disclosure")).toContainText("1 of 1 approved shots (100%)");
    // Another shot: the producer proposes credits from the data.
    const third = priya.getByTestId("shot-credits-SQ010_SH0030");
    await third.getByRole("button", { name: "Propose from data" }).click();
    await expect(third.getByTestId("credit-row")).toHaveCount(1);

    const [download] = await Promise.all([
      priya.waitForEvent("download"),
      priya.getByTestId("export-csv").click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^moonfall-credits-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, "utf8")
      .trimEnd()
      .split("\r\n");
    expect(csv[0]).toBe(
      "shot,version,version_status,credits_locked,contributor,contributor_kind,department,contribution_class,guild,origin,notes",
    );
    const rows = csv.slice(1).map((line) => line.split(","));
    const onPage = await priya
      .getByTestId("credit-row")
      .evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.shot ?? ""));
    expect(rows.map((r) => r[0]).sort()).toEqual(onPage.sort());
    const shotCodes = await priya
      .locator("tbody[data-testid^='shot-credits-']")
      .evaluateAll((els) => els.map((el) => el.getAttribute("data-testid")!.replace("shot-credits-", "")));
    expect(shotCodes).toEqual(["SQ010_SH0010", "SQ010_SH0020", "SQ010_SH0030"]);
    for (const r of rows) expect(shotCodes).toContain(r[0]);
    expect(rows.filter((r) => r[0] === "SQ010_SH0010").every((r) => r[1] === "v2" && r[3] === "yes")).toBe(
      true,
    );

    const pdf = await priya.request.get(`${app.url}/shows/moonfall/credits/export?format=pdf`);
    expect(pdf.headers()["content-type"]).toBe("application/pdf");
    expect((await pdf.body()).subarray(0, 5).toString()).toBe("%PDF-");
  });

  test("playlist badges follow a decision at once, for the director and for others on the board", async ({
    browser,
    app,
  }) => {
    const dana = await userPage(browser, app, "dana");
    const sam = await userPage(browser, app, "sam");
    await openBoard(dana, app, "moonfall");
    await openBoard(sam, app, "moonfall");
    const badge = (page: typeof dana) => page.getByTestId("playlist-item-4").getByTestId("status");
    await expect(badge(dana)).toHaveText("pending review");
    await expect(badge(sam)).toHaveText("pending review");
    // Sam looks at another version: the badge must still follow.
    await sam.getByTestId("playlist-item-0").click();

    await dana.getByTestId("playlist-item-4").click();
    const panel = dana.getByRole("region", { name: "Sign-off" });
    await panel.getByLabel("Decision note").fill("Soften the rim light");
    await panel.getByRole("button", { name: "Request changes" }).click();
    await expect(panel.locator(".badge").first()).toHaveText(/changes requested/i);
    await expect(badge(dana)).toHaveText("changes requested");
    await expect(badge(sam)).toHaveText("changes requested");
    // And a browser that opens the board afterwards reads it from the page.
    const ari = await userPage(browser, app, "ari");
    await openBoard(ari, app, "moonfall");
    await expect(badge(ari)).toHaveText("changes requested");
  });
});
