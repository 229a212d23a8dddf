import WebSocket from "ws";
import { expect, openBoard, signIn, test, userPage } from "./fixtures";

test.describe("dailies slice", () => {
  test("sign in shows only the user's shows; wrong password is refused", async ({ page, app }) => {
    await page.goto(`${app.url}/signin`);
    await page.getByLabel("Email").fill("dana@shotboard.test");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("form").getByRole("alert")).toHaveText(/wrong email or password/i);

    await signIn(page, app, "sam");
    await expect(page.getByRole("link", { name: /Moonfall/ })).toBeVisible();
    await expect(page.getByText("Tidewater")).toHaveCount(0);

    await page.goto(`${app.url}/shows/moonfall`);
    await expect(page.getByRole("heading", { name: /Moonfall/ })).toBeVisible();
    await expect(page.locator(".shot-card").getByText("SQ010_SH0010")).toBeVisible();
    const thumbs = page.locator(".shot-card img");
    await expect(thumbs).toHaveCount(3);
    await expect
      .poll(() => thumbs.first().evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBeGreaterThan(0);
  });

  test("a user with no membership sees no shows", async ({ page, app }) => {
    await signIn(page, app, "nomad");
    await expect(page.getByText(/not a member of any show/i)).toBeVisible();
    await page.goto(`${app.url}/shows/moonfall`);
    await expect(page.getByText(/not found/i).first()).toBeVisible();
  });

  test("frames step with the arrow keys and show their number", async ({ page, app }) => {
    await signIn(page, app, "ari");
    await openBoard(page, app, "moonfall");
    const frame = page.getByTestId("frame-number");
    await expect(frame).toHaveText("1001");
    await page.keyboard.press("ArrowRight");
    await expect(frame).toHaveText("1002");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowLeft");
    await expect(frame).toHaveText("1002");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowLeft");
    await expect(frame).toHaveText("1001");
    await page.getByTestId("playlist-item-1").click();
    await expect(frame).toHaveText("1001");
    await expect(page.getByTestId("frame-image")).toHaveAttribute("src", /variant=proxy/);
  });

  test("two people see each other's stroke, comment and presence live; reload and restart keep them", async ({
    browser,
    app,
  }) => {
    const dana = await userPage(browser, app, "dana");
    const sam = await userPage(browser, app, "sam");
    const boardUrl = await openBoard(dana, app, "moonfall");
    await sam.goto(boardUrl);
    await expect(sam.getByTestId("connection")).toHaveText(/live/i);
    // Use the last playlist entry's third frame so other tests do not collide.
    for (const p of [dana, sam]) {
      await p.getByTestId("playlist-item-5").click();
      await p.keyboard.press("ArrowRight");
      await p.keyboard.press("ArrowRight");
      await expect(p.getByTestId("frame-number")).toHaveText("1003");
    }
    await expect(dana.getByTestId("presence")).toContainText("Sam Reyes");
    await expect(sam.getByTestId("presence")).toContainText("Dana Okafor");

    const box = (await dana.getByTestId("frame-surface").boundingBox())!;
    await dana.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
    await dana.mouse.down();
    for (let i = 1; i <= 10; i++)
      await dana.mouse.move(box.x + box.width * (0.2 + i * 0.04), box.y + box.height * (0.3 + i * 0.02));
    await dana.mouse.up();
    await expect(dana.getByTestId("stroke")).toHaveCount(1);
    await expect(sam.getByTestId("stroke")).toHaveCount(1);

    await sam.getByRole("button", { name: "Comment" }).click();
    const sbox = (await sam.getByTestId("frame-surface").boundingBox())!;
    await sam.mouse.click(sbox.x + sbox.width * 0.6, sbox.y + sbox.height * 0.5);
    await sam.getByLabel("Comment text").fill("Rim light too hot <b>here</b>");
    await sam.getByRole("button", { name: "Add" }).click();
    await expect(dana.getByTestId("comments")).toContainText("Rim light too hot <b>here</b>");
    await expect(dana.getByTestId("comment-pin")).toHaveCount(1);

    await dana.reload();
    await dana.getByTestId("playlist-item-5").click();
    await dana.keyboard.press("ArrowRight");
    await dana.keyboard.press("ArrowRight");
    await expect(dana.getByTestId("stroke")).toHaveCount(1);
    await expect(dana.getByTestId("comments")).toContainText("Rim light too hot");

    await app.restart();
    const fresh = await userPage(browser, app, "dana");
    await fresh.goto(boardUrl);
    await expect(fresh.getByTestId("connection")).toHaveText(/live/i);
    await fresh.getByTestId("playlist-item-5").click();
    await fresh.keyboard.press("ArrowRight");
    await fresh.keyboard.press("ArrowRight");
    await expect(fresh.getByTestId("stroke")).toHaveCount(1);
    await expect(fresh.getByTestId("comments")).toContainText("Rim light too hot");
    // The pages that were open reconnect by themselves after the restart.
    await expect(sam.getByTestId("connection")).toHaveText(/live/i, { timeout: 30_000 });
  });

  test("the director approves; an artist is refused and nothing changes", async ({ browser, app }) => {
    const ari = await userPage(browser, app, "ari");
    const boardUrl = await openBoard(ari, app, "moonfall");
    await ari.getByTestId("playlist-item-3").click();
    await expect(ari.getByTestId("signoff-hint")).toHaveText(/only the show's director/i);
    await expect(ari.getByRole("button", { name: "Approve" })).toHaveCount(0);
    // Even straight at the API, the artist is refused with a clear message.
    const versionHref = await ari.evaluate(() => document.location.href);
    expect(versionHref).toContain("/boards/");
    const showId = await ari.evaluate(async () => {
      const r = await fetch(
        `/api/trpc/show.bySlug?input=${encodeURIComponent(JSON.stringify({ json: { slug: "moonfall" } }))}`,
      );
      return (await r.json()).result.data.json.id as string;
    });
    const board = await ari.evaluate(async (sid) => {
      const id = location.pathname.split("/").pop();
      const r = await fetch(
        "/api/trpc/board.get?input=" +
          encodeURIComponent(JSON.stringify({ json: { showId: sid, boardId: id } })),
      );
      return (await r.json()).result.data.json as { playlist: { id: string }[] };
    }, showId);
    const versionId = board.playlist[3]!.id;
    const refused = await ari.evaluate(
      async ([sid, vid]) => {
        const r = await fetch("/api/trpc/version.decide", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ json: { showId: sid, versionId: vid, kind: "approved", reason: "" } }),
        });
        return { status: r.status, body: await r.json() };
      },
      [showId, versionId],
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.json.message).toMatch(/artist.*sign off/i);
    expect(JSON.stringify(refused.body)).not.toMatch(/at .*\.ts|stack/i);

    const dana = await userPage(browser, app, "dana");
    await dana.goto(boardUrl);
    await dana.getByTestId("playlist-item-3").click();
    const panel = dana.getByRole("region", { name: "Sign-off" });
    await expect(panel.locator(".badge").first()).toHaveText(/pending review/i);
    await panel.getByRole("button", { name: "Request changes" }).click();
    await expect(panel.getByRole("alert")).toHaveText(/say what needs to change/i);
    await panel.getByRole("button", { name: "Approve" }).click();
    await expect(panel.locator(".badge").first()).toHaveText(/approved/i);
    await expect(panel.locator(".history")).toContainText("Dana Okafor (director)");

    await dana.goto(`${app.url}/shows/moonfall`);
    await expect(dana.locator(".shot-card").filter({ hasText: "SQ010_SH0020" }).locator(".badge")).toHaveText(
      /approved/i,
    );
  });

  test("another show's board, version and frame answer exactly like ids that do not exist", async ({
    browser,
    app,
  }) => {
    const ari = await userPage(browser, app, "ari");
    const tidewaterBoard = await openBoard(ari, app, "tidewater");
    const tidewaterVersion = await ari.evaluate(async () => {
      const r = await fetch(
        `/api/trpc/show.bySlug?input=${encodeURIComponent(JSON.stringify({ json: { slug: "tidewater" } }))}`,
      );
      const show = (await r.json()).result.data.json;
      const b = await fetch(
        "/api/trpc/board.get?input=" +
          encodeURIComponent(
            JSON.stringify({ json: { showId: show.id, boardId: location.pathname.split("/").pop() } }),
          ),
      );
      return (await b.json()).result.data.json.playlist[0].id as string;
    });

    const sam = await userPage(browser, app, "sam"); // Moonfall only
    const missing = "00000000-0000-4000-8000-000000000000";
    const pages = [
      tidewaterBoard,
      `${app.url}/shows/moonfall/boards/${tidewaterBoard.split("/").pop()}`,
      `${app.url}/shows/tidewater/versions/${tidewaterVersion}`,
      `${app.url}/shows/moonfall/versions/${tidewaterVersion}?frame=1001`,
    ];
    const bodyOf = async (url: string) => {
      const response = await sam.goto(url);
      return { status: response?.status(), text: (await sam.locator("main").innerText()).trim() };
    };
    const reference = await bodyOf(`${app.url}/shows/moonfall/boards/${missing}`);
    expect(reference.status).toBe(404);
    for (const url of pages) expect(await bodyOf(url)).toEqual(reference);
  });

  test("the live websocket refuses anonymous and other-show connections", async ({ browser, app }) => {
    const attempt = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://localhost:${app.port}${path}`, { headers });
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("open", () => {
          ws.close();
          reject(new Error("connection was accepted"));
        });
        ws.on("error", () => {});
      });
    const sam = await userPage(browser, app, "sam");
    const ari = await userPage(browser, app, "ari");
    await openBoard(ari, app, "tidewater");
    const tidewater = await ari.evaluate(async () => {
      const r = await fetch(
        `/api/trpc/show.bySlug?input=${encodeURIComponent(JSON.stringify({ json: { slug: "tidewater" } }))}`,
      );
      return (await r.json()).result.data.json.id as string;
    });
    const boardId = ari.url().split("/").pop()!;
    const doc = `/yjs/show/${tidewater}/board/${boardId}`;
    expect(await attempt(doc, { origin: app.url })).toBe(401);
    const cookies = await sam.context().cookies();
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    expect(await attempt(doc, { origin: app.url, cookie })).toBe(404);
    expect(
      await attempt(`/yjs/show/${tidewater}/board/00000000-0000-4000-8000-000000000000`, {
        origin: app.url,
        cookie,
      }),
    ).toBe(404);
    expect(await attempt("/yjs/not-a-document", { origin: app.url, cookie })).toBe(404);
    const ariCookie = (await ari.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    expect(await attempt(doc, { origin: "http://evil.example", cookie: ariCookie })).toBe(403);
  });
});
