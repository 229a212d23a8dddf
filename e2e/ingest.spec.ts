import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { expect, test, userPage } from "./fixtures";

/** `count` real PNG frames named sh0010.1001.png…, each a different colour with its number drawn. */
async function writeSequence(dir: string, count: number, seed = 0): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1001 + i;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="270">
      <rect width="480" height="270" fill="hsl(${(i * 15 + seed * 7) % 360},60%,35%)"/>
      <text x="24" y="150" font-size="64" font-family="sans-serif" fill="#fff">${n}</text></svg>`;
    const name = `sh0010.${n}.png`;
    writeFileSync(path.join(dir, name), await sharp(Buffer.from(svg)).png().toBuffer());
    names.push(path.join(dir, name));
  }
  return names;
}

function runCli(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/ingest.ts", ...args], {
      cwd: process.cwd(),
      env: { ...process.env, SHOTBOARD_TOKEN: "", SHOTBOARD_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let work: string;
test.beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "shotboard-e2e-ingest-"));
});
test.afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

test("an artist uploads a 24-frame sequence, sees the progress and the new version on the board", async ({
  browser,
  app,
}) => {
  const files = await writeSequence(path.join(work, "seq"), 24);
  const page = await userPage(browser, app, "ari");
  await page.goto(`${app.url}/shows/moonfall`);
  const card = page.getByTestId("shot-SQ010_SH0010");
  const versionsBefore = Number(/(\d+) versions?/.exec((await card.textContent()) ?? "")?.[1]);

  const upload = page.getByRole("region", { name: "Upload new version" });
  await upload.getByLabel("Shot").selectOption({ label: "SQ010_SH0010" });
  await upload.getByLabel("Choose files").setInputFiles(files);
  await expect(upload.getByTestId("drop-zone")).toContainText("24 files");
  await expect(upload.getByRole("list", { name: "Files to upload" }).getByRole("listitem")).toHaveCount(24);
  await expect(upload.getByLabel("Overall upload progress")).toHaveAttribute("value", "0");

  await upload.getByRole("button", { name: "Upload 24 files" }).click();
  await expect(upload.getByRole("status")).toContainText(`Created version ${versionsBefore + 1} (24 frames)`);
  await expect(upload.getByTestId("upload-percent")).toHaveText("100%");
  await expect(upload.getByLabel("sh0010.1024.png progress")).toHaveAttribute("value", "100");
  await expect(card).toContainText(`${versionsBefore + 1} versions`);

  await upload.getByRole("link", { name: `Open version ${versionsBefore + 1}` }).click();
  await expect(
    page.getByRole("heading", { name: `SQ010_SH0010 v${versionsBefore + 1} pending review` }),
  ).toBeVisible();
  await expect(page.getByTestId("frame-position")).toContainText("1 / 24");
  await expect(page.getByTestId("frame-number")).toHaveText("1001");
  await expect(page.getByTestId("frame-image")).toBeVisible();

  // The untouched original is served, in byte ranges too (how a browser seeks in a clip).
  const proxy = new URL((await page.getByTestId("frame-image").getAttribute("src"))!, app.url);
  proxy.searchParams.set("variant", "original");
  const whole = await page.request.get(proxy.toString());
  expect(whole.status()).toBe(200);
  const first = await page.request.get(proxy.toString(), { headers: { range: "bytes=0-7" } });
  expect(first.status()).toBe(206);
  expect(first.headers()["content-range"]).toBe(`bytes 0-7/${(await whole.body()).length}`);
  expect([...(await first.body())]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  await page.context().close();
});

test("a slow upload shows progress on the way and can be cancelled, creating nothing", async ({
  browser,
  app,
}) => {
  const files = await writeSequence(path.join(work, "slow"), 24, 3);
  const page = await userPage(browser, app, "sam");
  await page.goto(`${app.url}/shows/moonfall`);
  const card = page.getByTestId("shot-SQ010_SH0030");
  const before = (await card.textContent()) ?? "";
  // A slow link, so the upload is still under way when we look at it.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 64 * 1024,
  });

  const upload = page.getByRole("region", { name: "Upload new version" });
  await upload.getByLabel("Shot").selectOption({ label: "SQ010_SH0030" });
  await upload.getByLabel("Choose files").setInputFiles(files);
  await upload.getByRole("button", { name: "Upload 24 files" }).click();
  const overall = upload.getByLabel("Overall upload progress");
  await expect
    .poll(async () => Number(await overall.getAttribute("value")), { timeout: 30_000 })
    .toBeGreaterThan(0);
  expect(Number(await overall.getAttribute("value"))).toBeLessThan(100);
  await expect(upload.getByTestId("upload-status")).toContainText(/Sending [\d.]+ KiB of [\d.]+ KiB/);
  expect(Number(await upload.getByLabel("sh0010.1024.png progress").getAttribute("value"))).toBe(0);
  await upload.getByRole("button", { name: "Cancel" }).click();
  await expect(upload.getByTestId("upload-status")).toHaveText("Cancelled; nothing was created.");

  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await page.reload();
  await expect(page.getByTestId("shot-SQ010_SH0030")).toHaveText(before);
  await page.context().close();
});

test("a refused file says why, and no version is created", async ({ browser, app }) => {
  const dir = path.join(work, "bad");
  const files = await writeSequence(dir, 3, 1);
  const fake = path.join(dir, "sh0010.1004.png");
  writeFileSync(fake, "these are notes, not pixels\n".repeat(20));
  const page = await userPage(browser, app, "ari");
  await page.goto(`${app.url}/shows/moonfall`);
  const card = page.getByTestId("shot-SQ010_SH0020");
  const before = (await card.textContent()) ?? "";

  const upload = page.getByRole("region", { name: "Upload new version" });
  await upload.getByLabel("Shot").selectOption({ label: "SQ010_SH0020" });
  await upload.getByLabel("Choose files").setInputFiles([...files, fake]);
  await upload.getByRole("button", { name: "Upload 4 files" }).click();
  await expect(upload.getByRole("alert")).toHaveText(
    "Nothing was created. sh0010.1004.png is not a PNG, JPEG or WebP image, nor an MP4 or WebM clip (checked by its content, not its name).",
  );
  await expect(
    upload
      .getByRole("list", { name: "Files to upload" })
      .getByRole("listitem")
      .filter({ hasText: "sh0010.1004.png" }),
  ).toContainText("checked by its content");
  await page.reload();
  await expect(page.getByTestId("shot-SQ010_SH0020")).toHaveText(before);
  await page.context().close();
});

test("a producer creates a pipeline token; the CLI ingests with it; once revoked it is refused", async ({
  browser,
  app,
}) => {
  const page = await userPage(browser, app, "priya");
  await page.goto(`${app.url}/shows/moonfall`);
  await page.getByRole("link", { name: "Pipeline tokens" }).click();
  await page.getByLabel("Name").fill("render-farm");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("token-secret").textContent())!.trim();
  expect(token).toMatch(/^sbp_/);

  const dir = path.join(work, "cli");
  await writeSequence(dir, 5, 2);
  writeFileSync(
    path.join(dir, "provenance.json"),
    JSON.stringify({ sourceType: "trainedAlgorithmicMedia", model: "render-farm-model", seed: 9 }),
  );
  const args = ["--url", app.url, "--token", token, "--shot", "SQ010_SH0030", "--show", "moonfall", dir];
  const first = await runCli(args);
  expect(first.stderr).toBe("");
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/Created version \d+ of SQ010_SH0030 \(5 frames\)/);
  const again = await runCli(args);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain("nothing new was created");

  await page.reload();
  const row = page.getByTestId("tokens").getByRole("row").filter({ hasText: "render-farm" });
  await expect(row.getByRole("cell").nth(3)).not.toHaveText("never");
  await row.getByRole("button", { name: "Revoke render-farm" }).click();
  await expect(row).toContainText("revoked");

  writeFileSync(
    path.join(dir, "sh0010.1006.png"),
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#123" } })
      .png()
      .toBuffer(),
  );
  const revoked = await runCli(args);
  expect(revoked.code).toBe(1);
  expect(revoked.stderr).toContain(
    "Refused (HTTP 401): This pipeline token is not valid: it is unknown or has been revoked.",
  );
  await page.context().close();
});
