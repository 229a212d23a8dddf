/**
 * Time to an interactive board page in Chromium with a version holding 10,000 annotations,
 * next to the same page on a version with none (baseline, same run). Needs `npm run build`.
 *
 *   npm run bench:board
 *   BENCH_PHASES=1 npm run bench:board   # also when each run reached the load event, the click, "live"
 *   BENCH_PROFILE=/tmp/prof npm run bench:board   # and a Chromium CPU profile of one more loaded run
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { encode } from "next-auth/jwt";
import { startApp } from "../e2e/app";
import { connectYClient, until } from "../testing/yclient";

const COUNT = Number(process.env.BENCH_ANNOTATIONS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECRET = "e2e-secret-e2e-secret-e2e-secret-0123456789";

async function main() {
  const app = await startApp({ env: { AUTH_SECRET: SECRET } });
  const executablePath = existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
  const browser = await chromium.launch({ executablePath });
  try {
    const context = await browser.newContext({ baseURL: app.url, viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto("/signin");
    await page.getByLabel("Email").fill("dana@shotboard.test");
    await page.getByLabel("Password").fill("shotboard-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Your shows" }).waitFor();
    await page.goto("/shows/moonfall");
    await page
      .getByRole("link", { name: /dailies/i })
      .first()
      .click();
    await page.getByTestId("frame-number").waitFor();
    const boardUrl = page.url();
    const ids = await page.evaluate(async () => {
      const r = await fetch(
        `/api/trpc/show.bySlug?input=${encodeURIComponent(JSON.stringify({ json: { slug: "moonfall" } }))}`,
      );
      const show = (await r.json()).result.data.json;
      const b = await fetch(
        `/api/trpc/board.get?input=${encodeURIComponent(JSON.stringify({ json: { showId: show.id, boardId: location.pathname.split("/").pop() } }))}`,
      );
      const board = (await b.json()).result.data.json;
      const me = await (await fetch("/api/trpc/session.me")).json();
      return {
        showId: show.id as string,
        target: board.playlist[1].id as string,
        userId: me.result.data.json.id as string,
      };
    });

    // Fill the first version's document with COUNT annotations through the real websocket.
    const cookie = `next-auth.session-token=${await encode({ token: { uid: ids.userId, sv: 1 }, secret: SECRET })}`;
    const client = await connectYClient(
      `ws://localhost:${app.port}/yjs/show/${ids.showId}/version/${ids.target}`,
      {
        origin: app.url,
        cookie,
      },
    );
    await client.synced;
    const map = client.doc.getMap("annotations");
    for (let c = 0; c < COUNT; c += 500) {
      client.doc.transact(() => {
        for (let i = c; i < Math.min(COUNT, c + 500); i++)
          map.set(`bench-${i}`, {
            id: `bench-${i}`,
            kind: "stroke",
            frame: 1001 + (i % 8),
            authorId: ids.userId,
            authorName: "Dana Okafor",
            createdAt: Date.now(),
            color: "#ff3b6b",
            width: 0.004,
            points: Array.from({ length: 24 }, () => Math.round(Math.random() * 10_000) / 10_000),
          });
      });
    }
    // A second client sees all of them: the server has persisted and relayed everything.
    const check = await connectYClient(
      `ws://localhost:${app.port}/yjs/show/${ids.showId}/version/${ids.target}`,
      {
        origin: app.url,
        cookie,
      },
    );
    await check.synced;
    await until(check.doc, () => check.doc.getMap("annotations").size >= COUNT, 60_000, "all annotations");
    client.close();
    check.close();
    const perFrame = Math.ceil(COUNT / 8);

    const measure = async (playlistIndex: number, expectStrokes: number) => {
      const times: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t0 = Date.now();
        await page.goto(boardUrl);
        const tGoto = Date.now() - t0;
        if (playlistIndex > 0) await page.getByTestId(`playlist-item-${playlistIndex}`).click();
        const tClick = Date.now() - t0;
        await page.getByTestId("connection").filter({ hasText: /live/i }).waitFor({ timeout: 60_000 });
        const tLive = Date.now() - t0;
        if (process.env.BENCH_PHASES)
          console.log(`  run ${r + 1}: load event ${tGoto} ms, entry clicked ${tClick} ms, live ${tLive} ms`);
        await page.waitForFunction(
          (n) => document.querySelectorAll("[data-testid=stroke]").length >= n,
          expectStrokes,
          { timeout: 60_000 },
        );
        times.push(Date.now() - t0);
      }
      return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    };
    // Baseline: a version with no annotations (playlist entry 2); then the loaded one (entry 1).
    const empty = await measure(2, 0);
    const loaded = await measure(1, perFrame);
    if (process.env.BENCH_PROFILE) {
      const loadedRun = async () => {
        await page.goto(boardUrl);
        await page.getByTestId("playlist-item-1").click();
        await page.waitForFunction(
          (n) => document.querySelectorAll("[data-testid=stroke]").length >= n,
          perFrame,
        );
      };
      // One more run of the loaded version under the CPU profiler, for Chrome DevTools.
      const cdp = await context.newCDPSession(page);
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
      await cdp.send("Profiler.start");
      await loadedRun();
      const { profile } = await cdp.send("Profiler.stop");
      mkdirSync(process.env.BENCH_PROFILE, { recursive: true });
      const file = join(process.env.BENCH_PROFILE, `board-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`CPU profile of one loaded run: ${file}`);
      await cdp.detach();
      // And a trace of one more, for the browser's own work (style, layout, paint, IndexedDB).
      const trace = join(process.env.BENCH_PROFILE, `board-${Date.now()}.trace.json`);
      await browser.startTracing(page, { path: trace, screenshots: false });
      await loadedRun();
      await browser.stopTracing();
      console.log(`Trace of one loaded run: ${trace}`);
    }
    console.log(`\nBoard page to interactive in Chromium (median of ${RUNS}):\n`);
    console.log("| version document | annotations | time to interactive | vs empty |\n|---|---|---|---|");
    console.log(`| empty | 0 | ${empty} ms | 1.00× |`);
    console.log(
      `| loaded | ${COUNT} (${perFrame} on the shown frame) | ${loaded} ms | ${(loaded / empty).toFixed(2)}× |`,
    );
  } finally {
    await browser.close();
    await app.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
