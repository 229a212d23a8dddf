import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page, WebSocketRoute } from "@playwright/test";
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  type PDFPage,
  PDFRawStream,
} from "pdf-lib";
import sharp from "sharp";
import type { AppProcess } from "./app";
import { expect, openBoard, test, userPage } from "./fixtures";

const contexts: BrowserContext[] = [];

/** A signed-in browser of its own, closed after the test (open boards keep live connections). */
async function signedIn(browser: Browser, app: AppProcess, user: string): Promise<Page> {
  const page = await userPage(browser, app, user);
  contexts.push(page.context());
  return page;
}

/** Dana (director) opens the Moonfall board and Ari (artist) joins her there, both live. */
async function bothOnBoard(browser: Browser, app: AppProcess) {
  const dana = await signedIn(browser, app, "dana");
  const ari = await signedIn(browser, app, "ari");
  const url = await openBoard(dana, app, "moonfall");
  await ari.goto(url);
  await expect(ari.getByTestId("connection")).toHaveText(/live/i);
  return { dana, ari, url };
}

/** Moves the pointer over the frame in normalised coordinates (0–1). */
async function at(page: Page, x: number, y: number) {
  const box = (await page.getByTestId("frame-surface").boundingBox())!;
  return { x: box.x + box.width * x, y: box.y + box.height * y };
}

async function drag(page: Page, from: [number, number], to: [number, number], steps = 6) {
  const a = await at(page, ...from);
  const b = await at(page, ...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++)
    await page.mouse.move(a.x + ((b.x - a.x) * i) / steps, a.y + ((b.y - a.y) * i) / steps);
  await page.mouse.up();
}

async function tool(page: Page, name: string) {
  await page
    .getByRole("toolbar", { name: "Drawing tools" })
    .getByRole("button", { name, exact: true })
    .click();
}

/** Both pages on the same version (playlist position) and frame (steps from the first). */
async function goTo(pages: Page[], item: number, steps: number) {
  for (const p of pages) {
    await p.getByTestId(`playlist-item-${item}`).click();
    await expect(p.getByTestId("frame-number")).toHaveText("1001");
    for (let i = 0; i < steps; i++) await p.keyboard.press("ArrowRight");
    await expect(p.getByTestId("frame-number")).toHaveText(String(1001 + steps));
  }
}

test.describe("live review board", () => {
  // Several signed-in browsers on a shared machine: generous, but every wait is on an event.
  test.describe.configure({ timeout: 180_000 });
  test.afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  test("every tool draws live for the other person; undo only undoes one's own", async ({ browser, app }) => {
    const { dana, ari } = await bothOnBoard(browser, app);
    await goTo([dana, ari], 0, 1);

    await tool(ari, "Pen");
    await drag(ari, [0.1, 0.1], [0.3, 0.2]);
    await expect(dana.getByTestId("stroke")).toHaveCount(1);

    await tool(ari, "Arrow");
    await drag(ari, [0.1, 0.5], [0.3, 0.6]);
    await expect(dana.getByTestId("shape-arrow")).toHaveCount(1);

    await tool(ari, "Rectangle");
    await drag(ari, [0.5, 0.1], [0.7, 0.3]);
    await expect(dana.getByTestId("shape-rect")).toHaveCount(1);

    await tool(ari, "Ellipse");
    await drag(ari, [0.5, 0.5], [0.7, 0.7]);
    await expect(dana.getByTestId("shape-ellipse")).toHaveCount(1);

    await tool(ari, "Text");
    const t = await at(ari, 0.1, 0.8);
    await ari.mouse.click(t.x, t.y);
    await ari.getByLabel("Annotation text").fill("Hold this pose");
    await ari.getByRole("button", { name: "Place" }).click();
    await expect(dana.getByTestId("shape-text")).toHaveText("Hold this pose");

    // Eraser: removes one's own rectangle (a drag across its edge).
    await tool(ari, "Eraser");
    await drag(ari, [0.48, 0.2], [0.52, 0.2], 4);
    await expect(dana.getByTestId("shape-rect")).toHaveCount(0);
    await expect(ari.getByTestId("shape-rect")).toHaveCount(0);

    // Dana draws too; each person's undo takes back only their own last change.
    await tool(dana, "Pen");
    await drag(dana, [0.8, 0.1], [0.9, 0.3]);
    await expect(ari.getByTestId("stroke")).toHaveCount(2);
    await ari.getByRole("button", { name: "Undo", exact: true }).click(); // the erase
    await expect(dana.getByTestId("shape-rect")).toHaveCount(1);
    await ari.getByRole("button", { name: "Undo", exact: true }).click(); // the text
    await expect(dana.getByTestId("shape-text")).toHaveCount(0);
    await expect(dana.getByTestId("stroke")).toHaveCount(2);
    await expect(dana.locator('[data-testid="stroke"][data-author="Dana Okafor"]')).toHaveCount(1);
    await dana.keyboard.press("Control+z");
    await expect(ari.getByTestId("stroke")).toHaveCount(1);
    await expect(ari.locator('[data-testid="stroke"][data-author="Ari Lindqvist"]')).toHaveCount(1);
    await expect(ari.getByTestId("shape-arrow")).toHaveCount(1);
  });

  test("moving own shapes, threads with replies and resolve, laser, drawing grants, the director's eraser", async ({
    browser,
    app,
  }) => {
    const { dana, ari } = await bothOnBoard(browser, app);
    await goTo([dana, ari], 5, 1);

    await tool(ari, "Rectangle");
    await drag(ari, [0.2, 0.2], [0.4, 0.4]);
    const rectX = (p: Page) => p.getByTestId("shape-rect").locator("rect").first().getAttribute("x");
    await expect(dana.getByTestId("shape-rect")).toHaveCount(1);
    const x0 = Number(await rectX(dana));
    await tool(ari, "Select");
    await drag(ari, [0.2, 0.3], [0.3, 0.3]);
    await expect.poll(async () => Number(await rectX(dana))).toBeGreaterThan(x0 + 0.05);

    await tool(ari, "Comment");
    const c = await at(ari, 0.7, 0.6);
    await ari.mouse.click(c.x, c.y);
    await ari.getByLabel("Comment text").fill("Needs more fog");
    await ari.getByRole("button", { name: "Add" }).click();
    const thread = dana.getByTestId("thread").filter({ hasText: "Needs more fog" });
    await thread.getByLabel(/Reply to Ari Lindqvist/).fill("Agreed, @Ari Lindqvist");
    await thread.getByRole("button", { name: "Reply" }).click();
    await expect(ari.getByTestId("reply")).toContainText("Agreed, @Ari Lindqvist");
    await expect(ari.getByTestId("reply").locator("mark.mention")).toHaveText("@Ari Lindqvist");
    await thread.getByRole("button", { name: "Resolve" }).click();
    await expect(ari.getByTestId("thread").filter({ hasText: "Needs more fog" })).toContainText("resolved");
    await expect(ari.getByTestId("comment-pin")).toHaveClass(/resolved/);

    await tool(ari, "Laser");
    const l = await at(ari, 0.5, 0.5);
    await ari.mouse.move(l.x, l.y);
    await ari.mouse.move(l.x + 5, l.y + 5);
    await expect(dana.getByTestId("laser")).toHaveCount(1);

    // While presenting, the presenter limits drawing to the people they allow.
    await dana.getByTestId("presenter-status").getByRole("button", { name: "Present" }).click();
    await dana.getByLabel("Who may draw").selectOption("granted");
    const pen = ari
      .getByRole("toolbar", { name: "Drawing tools" })
      .getByRole("button", { name: "Pen", exact: true });
    await expect(pen).toBeDisabled();
    await expect(ari.getByText(/presenter has not given you drawing/i)).toBeVisible();
    await dana.getByLabel("Ari Lindqvist may draw").check();
    await expect(pen).toBeEnabled();
    await dana.getByRole("button", { name: "Stop presenting" }).click();

    // The director may erase anyone's drawing.
    await tool(dana, "Eraser");
    const b = (await dana.getByTestId("shape-rect").boundingBox())!;
    await dana.mouse.move(b.x - 4, b.y + b.height / 2);
    await dana.mouse.down();
    await dana.mouse.move(b.x + 6, b.y + b.height / 2, { steps: 4 });
    await dana.mouse.up();
    await expect(ari.getByTestId("shape-rect")).toHaveCount(0);
  });

  test("the presenter drives, followers follow; one breaks away and jumps back", async ({ browser, app }) => {
    const dana = await signedIn(browser, app, "dana");
    const sam = await signedIn(browser, app, "sam");
    const rex = await signedIn(browser, app, "rex");
    const url = await openBoard(dana, app, "moonfall");
    for (const p of [sam, rex]) {
      await p.goto(url);
      await expect(p.getByTestId("connection")).toHaveText(/live/i);
    }
    await dana.getByTestId("presenter-status").getByRole("button", { name: "Present" }).click();
    await expect(dana.getByTestId("presenter-status")).toContainText("You are presenting");
    for (const p of [sam, rex])
      await expect(p.getByTestId("presenter-status")).toContainText("Following Dana Okafor");
    // Dana's second tab follows her first one instead of driving too.
    const danaTab = await dana.context().newPage();
    await danaTab.goto(url);
    await expect(danaTab.getByTestId("presenter-status")).toContainText("Following Dana Okafor");

    await dana.getByTestId("playlist-item-2").click();
    await dana.keyboard.press("ArrowRight");
    await dana.keyboard.press("ArrowRight");
    for (const p of [sam, rex, danaTab]) {
      await expect(p.getByTestId("frame-number")).toHaveText("1003");
      await expect(p.getByTestId("playlist-item-2")).toHaveClass(/active/);
    }

    // Rex breaks away to look around; Sam keeps following.
    await rex.getByRole("button", { name: "Break away" }).click();
    await expect(rex.getByTestId("presenter-status")).toContainText("Looking around on your own");
    await rex.keyboard.press("ArrowLeft");
    await expect(rex.getByTestId("frame-number")).toHaveText("1002");
    await dana.keyboard.press("ArrowRight");
    await expect(sam.getByTestId("frame-number")).toHaveText("1004");
    await expect(rex.getByTestId("frame-number")).toHaveText("1002");
    await expect(dana.getByTestId("presence")).toContainText("looking around");

    await rex.getByRole("button", { name: "Jump back" }).click();
    await expect(rex.getByTestId("presenter-status")).toContainText("Following Dana Okafor");
    await expect(rex.getByTestId("frame-number")).toHaveText("1004");

    // Zoom travels too; stopping hands everyone their own view back.
    await dana.getByRole("button", { name: "Zoom in" }).click();
    await expect(sam.getByTestId("frame-surface")).toHaveAttribute("data-zoom", "1.25");
    await dana.getByRole("button", { name: "Zoom out" }).click();
    await expect(sam.getByTestId("frame-surface")).toHaveAttribute("data-zoom", "1");
    await dana.getByRole("button", { name: "Stop presenting" }).click();
    for (const p of [sam, rex])
      await expect(p.getByTestId("presenter-status")).toContainText("Everyone looks around on their own");
  });

  test("edits made offline are kept and merge on reconnect", async ({ browser, app }) => {
    const { dana, ari } = await bothOnBoard(browser, app);
    await goTo([dana, ari], 4, 1);

    await ari.context().setOffline(true);
    await expect(ari.getByTestId("connection")).toHaveText(/offline/i);
    await tool(ari, "Rectangle");
    await drag(ari, [0.2, 0.2], [0.4, 0.4]);
    await expect(ari.getByTestId("shape-rect")).toHaveCount(1);
    await tool(dana, "Ellipse");
    await drag(dana, [0.6, 0.6], [0.8, 0.8]);
    await expect(ari.getByTestId("shape-ellipse")).toHaveCount(0);
    await expect(dana.getByTestId("shape-rect")).toHaveCount(0);

    await ari.context().setOffline(false);
    await expect(ari.getByTestId("connection")).toHaveText(/live/i);
    for (const p of [dana, ari]) {
      await expect(p.getByTestId("shape-rect")).toHaveCount(1);
      await expect(p.getByTestId("shape-ellipse")).toHaveCount(1);
    }
  });

  test("edits made offline survive closing the tab and reach the others from the browser's copy", async ({
    browser,
    app,
  }) => {
    const { dana, ari, url } = await bothOnBoard(browser, app);
    await goTo([dana, ari], 2, 3);

    const offline = ari.context();
    await offline.setOffline(true);
    await expect(ari.getByTestId("connection")).toHaveText(/offline/i);
    await tool(ari, "Arrow");
    await drag(ari, [0.3, 0.3], [0.5, 0.6]);
    await expect(ari.getByTestId("shape-arrow")).toHaveCount(1);
    await ari.close();
    await expect(dana.getByTestId("shape-arrow")).toHaveCount(0);

    await offline.setOffline(false);
    const back = await offline.newPage();
    await back.goto(url);
    await expect(back.getByTestId("connection")).toHaveText(/live/i);
    await goTo([back], 2, 3);
    await expect(back.getByTestId("shape-arrow")).toHaveCount(1);
    await expect(dana.getByTestId("shape-arrow")).toHaveCount(1);
  });

  test("the transport's buttons step, jump and play by their names", async ({ browser, app }) => {
    const ari = await signedIn(browser, app, "ari");
    await openBoard(ari, app, "moonfall");
    const frameNo = ari.getByTestId("frame-number");
    const button = (name: string) => ari.getByRole("button", { name, exact: true });
    await expect(frameNo).toHaveText("1001");
    await expect(button("First frame")).toHaveAttribute("title", "First frame (Home)");
    await button("Next frame").click();
    await expect(frameNo).toHaveText("1002");
    await button("Last frame").click();
    await expect(frameNo).toHaveText("1008");
    await button("Previous frame").click();
    await expect(frameNo).toHaveText("1007");
    await button("First frame").click();
    await expect(frameNo).toHaveText("1001");
    await button("Play").click();
    await expect(button("Pause")).toHaveAttribute("aria-pressed", "true");
    await expect(frameNo).not.toHaveText("1001");
    await button("Pause").click();
    await expect(button("Play")).toHaveAttribute("aria-pressed", "false");
  });

  test("a version says its annotations are loading until they arrive, then draws them", async ({
    browser,
    app,
  }) => {
    const dana = await signedIn(browser, app, "dana");
    const url = await openBoard(dana, app, "moonfall");
    await goTo([dana], 1, 0);
    await tool(dana, "Pen");
    await drag(dana, [0.2, 0.2], [0.4, 0.3]);
    await expect(dana.getByTestId("stroke")).toHaveCount(1);
    await expect(dana.getByTestId("annotations-loading")).toHaveCount(0);

    // Ari's first visit (no copy in this browser): the server's answers on version sockets are
    // held back until the indicator has been seen, per socket, so only the shown version's
    // answers are released to it.
    const ari = await signedIn(browser, app, "ari");
    let shown = null as { ws: WebSocketRoute; held: Array<string | Buffer>; holding: boolean } | null;
    await ari.routeWebSocket(/\/yjs\/.*\/version\//, (ws) => {
      const socket = { ws, held: [] as Array<string | Buffer>, holding: true };
      shown = socket;
      ws.connectToServer().onMessage((message) => {
        if (socket.holding) socket.held.push(message);
        else ws.send(message);
      });
    });
    await ari.goto(url);
    await goTo([ari], 1, 0);
    await expect(ari.getByTestId("annotations-loading")).toHaveText(/loading annotations/i);
    // The server has answered on the shown version's socket (its sync is held here), and the
    // page still says so.
    await expect.poll(() => shown?.held.length ?? 0).toBeGreaterThan(0);
    await expect(ari.getByTestId("annotations-loading")).toBeVisible();
    await expect(ari.getByTestId("stroke")).toHaveCount(0);

    const socket = shown!;
    socket.holding = false;
    for (const message of socket.held.splice(0)) socket.ws.send(message);
    await expect(ari.getByTestId("stroke")).toHaveCount(1);
    await expect(ari.getByTestId("annotations-loading")).toHaveCount(0);
  });

  test("compare modes render both versions: side by side, wipe, difference", async ({ browser, app }) => {
    const ari = await signedIn(browser, app, "ari");
    await openBoard(ari, app, "moonfall");
    await ari.getByTestId("playlist-item-1").click();
    const loaded = async (testId: string) =>
      expect
        .poll(() =>
          ari.getByTestId(testId).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
        )
        .toBeGreaterThan(0);

    await ari.getByLabel("Compare mode").selectOption("side");
    await expect(ari.getByTestId("compare-view")).toHaveAttribute("data-mode", "side");
    await loaded("compare-a");
    await loaded("compare-b");
    await expect(ari.getByTestId("compare-b")).toHaveAttribute("alt", /SQ010_SH0010 v1/);

    await ari.getByLabel("Compare mode").selectOption("wipe");
    await expect(ari.getByTestId("compare-view")).toHaveAttribute("data-mode", "wipe");
    await ari.getByLabel("Wipe position").fill("25");
    await expect(ari.locator(".compare-top")).toHaveAttribute("style", /inset\(0(px)? 0(px)? 0(px)? 25%\)/);
    await loaded("compare-b");

    await ari.getByLabel("Compare mode").selectOption("difference");
    await expect(ari.getByTestId("compare-view")).toHaveAttribute("data-mode", "difference");
    await expect(ari.locator(".compare-top")).toHaveCSS("mix-blend-mode", "difference");
    await loaded("compare-a");

    await ari.getByLabel("Compare mode").selectOption("off");
    await expect(ari.getByTestId("frame-surface")).toBeVisible();
  });

  test("PDF and CSV exports hold the drawn frame and its comment; My notes lists the mention", async ({
    browser,
    app,
  }) => {
    const dana = await signedIn(browser, app, "dana");
    const url = await openBoard(dana, app, "moonfall");
    await goTo([dana], 3, 0);
    await tool(dana, "Rectangle");
    await dana.getByRole("button", { name: "Colour #7cff6b" }).click();
    await dana.getByRole("button", { name: "Bold line" }).click();
    await drag(dana, [0.1, 0.2], [0.5, 0.8]);
    await expect(dana.getByTestId("shape-rect")).toHaveCount(1);
    await tool(dana, "Comment");
    const c = await at(dana, 0.75, 0.3);
    await dana.mouse.click(c.x, c.y);
    await dana.getByLabel("Comment text").fill("Export me: warmer sky @Sam Reyes please");
    await dana.getByRole("button", { name: "Add" }).click();
    await expect(dana.getByTestId("comments")).toContainText("Export me: warmer sky");

    const [pdfDownload] = await Promise.all([
      dana.waitForEvent("download"),
      dana.getByRole("button", { name: "Export PDF" }).click(),
    ]);
    expect(pdfDownload.suggestedFilename()).toMatch(/^moonfall-.*-notes\.pdf$/);
    const pdf = await PDFDocument.load(await readFile((await pdfDownload.path())!));
    const text = Buffer.from("Export me: warmer sky", "latin1").toString("hex").toUpperCase();
    const page = pdf.getPages().find((p) => pageText(pdf, p).includes(text));
    expect(page, "a page with the comment").toBeDefined();
    const xobjects = page!.node.Resources()!.lookup(PDFName.of("XObject"), PDFDict);
    const images = xobjects
      .values()
      .map((ref) => pdf.context.lookup(ref))
      .filter(
        (o): o is PDFRawStream =>
          o instanceof PDFRawStream && o.dict.get(PDFName.of("Subtype")) === PDFName.of("Image"),
      );
    expect(images).toHaveLength(1);
    // The rectangle is burned into the frame: its left edge is green.
    const { data, info } = await sharp(Buffer.from(images[0]!.contents))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const o =
      (Math.round(0.5 * (info.height - 1)) * info.width + Math.round(0.1 * (info.width - 1))) * info.channels;
    expect(data[o + 1]!).toBeGreaterThan(180);
    expect(data[o]!).toBeLessThan(170);
    expect(data[o + 2]!).toBeLessThan(150);

    const [csvDownload] = await Promise.all([
      dana.waitForEvent("download"),
      dana.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    const csv = await readFile((await csvDownload.path())!, "utf8");
    expect(csv).toContain("Export me: warmer sky @Sam Reyes please");
    expect(csv).toMatch(/,rect,Dana Okafor,/);

    // The progress stream the button reads: progress lines while frames render, then the file.
    const streamed = await dana.request.get(`${url}/notes/export?format=pdf&progress=1`);
    const lines = (await streamed.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; done?: number; total?: number; base64?: string });
    expect(lines[0]).toMatchObject({ type: "progress", done: 0 });
    expect(lines.filter((l) => l.type === "progress").length).toBeGreaterThan(2);
    expect(lines.at(-1)).toMatchObject({ type: "file" });
    expect(Buffer.from(lines.at(-1)!.base64!, "base64").subarray(0, 5).toString()).toBe("%PDF-");

    // Not a member of the show: the export answers like a board that does not exist.
    const nomad = await signedIn(browser, app, "nomad");
    const refused = await nomad.request.get(`${url}/notes/export?format=pdf`);
    expect(refused.status()).toBe(404);

    // Sam was mentioned: the note is in his notes, and its link opens the board on that frame.
    const sam = await signedIn(browser, app, "sam");
    await sam.getByRole("link", { name: "My notes" }).click();
    await expect(sam.getByRole("heading", { name: "My notes" })).toBeVisible();
    await expect(async () => {
      await sam.reload();
      await expect(sam.getByTestId("my-note").filter({ hasText: "Export me" })).toBeVisible({
        timeout: 1000,
      });
    }).toPass();
    const note = sam.getByTestId("my-note").filter({ hasText: "Export me" });
    await expect(note).toContainText("mentions you");
    await note.getByRole("link", { name: "Open on the board" }).click();
    await expect(sam.getByTestId("playlist-item-3")).toHaveClass(/active/);
    await expect(sam.getByTestId("frame-number")).toHaveText("1001");
    await expect(sam.getByTestId("comment-pin")).toHaveCount(1);
  });
});

/** The decoded content streams of a page, as text (pdf-lib writes text as hex of WinAnsi bytes). */
function pageText(pdf: PDFDocument, page: PDFPage): string {
  const contents = page.node.Contents();
  const list =
    contents instanceof PDFArray ? contents.asArray().map((r) => pdf.context.lookup(r)) : [contents];
  return list
    .filter((s): s is PDFRawStream => s instanceof PDFRawStream)
    .map((s) => Buffer.from(decodePDFRawStream(s).decode()).toString("latin1"))
    .join("\n")
    .toUpperCase();
}
