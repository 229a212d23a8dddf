import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import sharp from "sharp";
import { inScope, openDatabase } from "~/db/client";
import { frames, shots, versions } from "~/db/schema";
import { seedDemo } from "~/server/seed/demo";
import { readEmbeddedMetadata } from "~/server/services/ingest/embedded-metadata";
import { storeImage } from "~/server/services/media/media";
import { LocalMediaStore } from "~/server/storage/media-store";
import { setProvenance } from "~/testing/governance";
import { withPngChunks } from "~/testing/png-chunks";
import { type AppProcess, startApp } from "./app";
import { test as base, expect, userPage } from "./fixtures";

const A1111 = [
  "a lantern drifting over a moonlit bay, volumetric fog",
  "Negative prompt: blurry, lowres",
  "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 1234567890, Size: 640x360, Model hash: 6ce0161689, Model: dreamshaper_8, Version: v1.10.1",
].join("\n");

type Prepared = { dataDir: string; plainVersion: string; inputVersion: string; generatedVersion: string };

/**
 * The demo studio plus one version (SQ010_SH0030 v3) whose frame is a PNG written by
 * Automatic1111 (a `parameters` text chunk), stored and read the way ingest does it, before the
 * app opens the embedded database (PGlite allows one process per folder).
 */
async function prepared(): Promise<Prepared> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "shotboard-e2e-provenance-"));
  const handle = await openDatabase({ dataDir });
  try {
    const store = new LocalMediaStore(path.join(dataDir, "media"));
    const seed = await seedDemo(handle.db, store, { frames: 2 });
    const moonfall = seed.shows.moonfall!;
    const showId = moonfall.id;
    const png = await sharp({ create: { width: 640, height: 360, channels: 3, background: "#234" } })
      .png()
      .toBuffer();
    const bytes = withPngChunks(png, [{ kind: "tEXt", keyword: "parameters", text: A1111 }]);
    const generatedVersion = await inScope(handle.db, { showId }, async (tx) => {
      const [shot] = await tx.select().from(shots).where(eq(shots.code, "SQ010_SH0030"));
      const [version] = await tx
        .insert(versions)
        .values({ showId, shotId: shot!.id, number: 3, submittedBy: seed.users.ari!, note: "From A1111" })
        .returning({ id: versions.id });
      const stored = await storeImage(tx, store, showId, bytes);
      await tx.insert(frames).values({
        showId,
        versionId: version!.id,
        frameNumber: 1001,
        sha256: stored.sha256,
        width: stored.width,
        height: stored.height,
      });
      return version!.id;
    });
    await setProvenance(handle.db, {
      showId,
      versionId: generatedVersion,
      embedded: readEmbeddedMetadata(bytes),
    });
    return {
      dataDir,
      plainVersion: moonfall.versionIds[0]!,
      inputVersion: moonfall.versionIds[1]!,
      generatedVersion,
    };
  } finally {
    await handle.close();
  }
}

const test = base.extend<object, { app: AppProcess; data: Prepared }>({
  data: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixture signature
    async ({}, use) => {
      const data = await prepared();
      await use(data);
      rmSync(data.dataDir, { recursive: true, force: true });
    },
    { scope: "worker", timeout: 180_000 },
  ],
  app: [
    async ({ data }, use) => {
      const app = await startApp({ dataDir: data.dataDir });
      await use(app);
      await app.stop();
    },
    { scope: "worker", timeout: 180_000 },
  ],
});

test.describe("provenance panel", () => {
  test("an artist edits provenance, it is saved, and it freezes with the director's approval", async ({
    browser,
    app,
    data,
  }) => {
    const ari = await userPage(browser, app, "ari");
    const url = `${app.url}/shows/moonfall/versions/${data.plainVersion}`;
    await ari.goto(url);
    const panel = ari.getByTestId("provenance-panel");
    const form = panel.getByRole("form", { name: "Provenance" });
    await expect(form.getByLabel("Model", { exact: true })).toBeEditable();
    await expect(panel.getByText("The files carry no generator metadata")).toBeVisible();

    await form.getByLabel("Digital source type").selectOption("trainedAlgorithmicMedia");
    await form.getByLabel("Model", { exact: true }).fill("flux");
    await form.getByLabel("Model version").fill("1.1-pro");
    await form.getByLabel("Provider", { exact: true }).fill("Black Forest Labs");
    await form.getByLabel("Prompt", { exact: true }).fill("the moon cracks and light spills");
    await form.getByLabel("Seed").fill("77");
    await form.getByLabel("Parameters (JSON)").fill('{"steps": 30}');
    await form.getByLabel("Training-data clearance reference").fill("CLR-2025-007");
    await form.getByLabel("Provider attests: no training on our data").check();
    await form.getByLabel("Add a version of this show as input").selectOption({ label: "SQ010_SH0010 v2" });
    await form.getByRole("button", { name: "Add version" }).click();
    await form.getByLabel("Reference description").fill("Mood board, sheet 3");
    await form.getByLabel("Reference URL").fill("https://refs.example/board/3");
    await form.getByRole("button", { name: "Add reference" }).click();
    await form.getByRole("button", { name: "Save provenance" }).click();
    await expect(form.getByText("Saved")).toBeVisible();

    await ari.reload();
    await expect(form.getByLabel("Model", { exact: true })).toHaveValue("flux");
    await expect(form.getByLabel("Digital source type")).toHaveValue("trainedAlgorithmicMedia");
    await expect(form.getByLabel("Prompt", { exact: true })).toHaveValue("the moon cracks and light spills");
    await expect(form.getByLabel("Parameters (JSON)")).toHaveValue(/"steps": 30/);
    await expect(form.getByLabel("Provider attests: no training on our data")).toBeChecked();
    await expect(form.getByRole("link", { name: "SQ010_SH0010 v2" })).toHaveAttribute(
      "href",
      `/shows/moonfall/versions/${data.inputVersion}`,
    );
    await expect(form.getByRole("link", { name: "Mood board, sheet 3" })).toBeVisible();
    await expect(
      panel.getByRole("region", { name: "Lineage" }).getByRole("link", { name: "SQ010_SH0010 v2" }),
    ).toBeVisible();
    await expect(panel.getByText("Last edited by Ari Lindqvist")).toBeVisible();

    // Bad input: a clear message, nothing saved.
    await form.getByLabel("Parameters (JSON)").fill("{steps: 30");
    await form.getByRole("button", { name: "Save provenance" }).click();
    await expect(form.getByRole("alert")).toHaveText(/Parameters must be a JSON object/);

    // The director approves; the artist's panel is then read-only with a note.
    const dana = await userPage(browser, app, "dana");
    await dana.goto(url);
    const signoff = dana.getByRole("region", { name: "Sign-off" });
    await signoff.getByRole("button", { name: "Approve" }).click();
    await expect(signoff.locator(".badge").first()).toHaveText(/approved/i);
    await expect(dana.getByTestId("provenance-panel").getByRole("note")).toContainText(
      "frozen with the sign-off",
    );

    await ari.reload();
    await expect(panel.getByRole("note")).toContainText("Approved: this provenance is frozen");
    await expect(form.getByLabel("Model", { exact: true })).toBeDisabled();
    await expect(form.getByLabel("Model", { exact: true })).toHaveValue("flux");
    await expect(form.getByRole("button", { name: "Save provenance" })).toHaveCount(0);
  });

  test("a frame written by Automatic1111 pre-fills the fields, marked as read from the file", async ({
    browser,
    app,
    data,
  }) => {
    const ari = await userPage(browser, app, "ari");
    await ari.goto(`${app.url}/shows/moonfall/versions/${data.generatedVersion}`);
    const panel = ari.getByTestId("provenance-panel");
    const form = panel.getByRole("form", { name: "Provenance" });
    const model = form.getByLabel(/^Model\b(?! version)/);
    await expect(model).toHaveValue("dreamshaper_8");
    await expect(form.getByLabel(/^Model version/)).toHaveValue("6ce0161689");
    await expect(form.getByLabel(/^Seed/)).toHaveValue("1234567890");
    await expect(form.getByLabel(/^Prompt/)).toHaveValue(
      "a lantern drifting over a moonlit bay, volumetric fog",
    );
    await expect(form.getByLabel(/^Negative prompt/)).toHaveValue("blurry, lowres");
    await expect(
      form.locator("label", { hasText: /^Model\b(?! version)/ }).getByText("from file"),
    ).toBeVisible();

    const fromFile = panel.getByRole("region", { name: "Read from file" });
    await expect(fromFile).toContainText("Written by Automatic1111 / Forge");
    await expect(fromFile).toContainText("CFG scale: 6.5");

    // A person's change replaces the file's value and drops the mark; "Use" brings it back.
    await form.getByLabel(/^Seed/).fill("42");
    await expect(form.locator("label", { hasText: /^Seed/ }).getByText("from file")).toHaveCount(0);
    await fromFile.getByRole("button", { name: "Use seed from file" }).click();
    await expect(form.getByLabel(/^Seed/)).toHaveValue("1234567890");

    await form.getByLabel("Digital source type").selectOption("trainedAlgorithmicMedia");
    await form.getByRole("button", { name: "Save provenance" }).click();
    await expect(form.getByText("Saved")).toBeVisible();
    await ari.reload();
    await expect(form.getByLabel(/^Model\b(?! version)/)).toHaveValue("dreamshaper_8");
    // Now typed (saved by a person): no longer marked as coming from the file, which is still shown apart.
    await expect(form.getByText("from file")).toHaveCount(0);
    await expect(fromFile).toContainText("dreamshaper_8");
  });
});

test.describe("metadata read on upload", () => {
  test("a ComfyUI frame uploaded in the browser pre-fills the new version's provenance", async ({
    browser,
    app,
  }) => {
    const graph = {
      "3": {
        class_type: "KSampler",
        inputs: {
          seed: 8675309,
          steps: 30,
          cfg: 5.5,
          positive: ["6", 0],
          negative: ["7", 0],
          model: ["4", 0],
        },
      },
      "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "sdxl_base_1.0.safetensors" } },
      "6": { class_type: "CLIPTextEncode", inputs: { text: "Mira looks up at the cracked moon" } },
      "7": { class_type: "CLIPTextEncode", inputs: { text: "text, watermark" } },
    };
    const png = await sharp({ create: { width: 480, height: 270, channels: 3, background: "#456" } })
      .png()
      .toBuffer();
    const dir = mkdtempSync(path.join(tmpdir(), "shotboard-e2e-comfy-"));
    const file = path.join(dir, "sh0020.1001.png");
    writeFileSync(
      file,
      withPngChunks(png, [{ kind: "tEXt", keyword: "prompt", text: JSON.stringify(graph) }]),
    );
    try {
      const ari = await userPage(browser, app, "ari");
      await ari.goto(`${app.url}/shows/moonfall`);
      const upload = ari.getByRole("region", { name: "Upload new version" });
      await upload.getByLabel("Shot").selectOption({ label: "SQ010_SH0020" });
      await upload.getByLabel("Choose files").setInputFiles([file]);
      await upload.getByRole("button", { name: "Upload 1 file" }).click();
      await expect(upload.getByRole("status")).toContainText("Created version 3 (1 frame");
      await upload.getByRole("link", { name: "Open version 3" }).click();

      const panel = ari.getByTestId("provenance-panel");
      const form = panel.getByRole("form", { name: "Provenance" });
      await expect(form.getByLabel(/^Model\b(?! version)/)).toHaveValue("sdxl_base_1.0.safetensors");
      await expect(form.getByLabel(/^Seed/)).toHaveValue("8675309");
      await expect(form.getByLabel(/^Prompt/)).toHaveValue("Mira looks up at the cracked moon");
      await expect(form.getByLabel(/^Negative prompt/)).toHaveValue("text, watermark");
      await expect(form.locator("label", { hasText: /^Seed/ }).getByText("from file")).toBeVisible();
      await expect(panel.getByRole("region", { name: "Read from file" })).toContainText("Written by ComfyUI");
      await ari.context().close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test.describe("talent & likeness consent registry", () => {
  test("a producer adds talent and a consent, then revokes it; others only read", async ({
    browser,
    app,
  }) => {
    const priya = await userPage(browser, app, "priya");
    await priya.goto(`${app.url}/shows/moonfall`);
    await priya
      .getByRole("navigation", { name: "Governance" })
      .getByRole("link", { name: "Talent & consent" })
      .click();
    await expect(priya.getByRole("heading", { name: "Talent & likeness consent" })).toBeVisible();

    const add = priya.getByRole("form", { name: "Add talent" });
    await add.getByLabel("Name").fill("Juno Park");
    await add.getByLabel("Guild").selectOption("SAG-AFTRA");
    await add.getByRole("button", { name: "Add talent" }).click();
    const card = priya.getByRole("region", { name: "Juno Park" });
    await expect(card).toContainText("no active consent");

    await add.getByLabel("Name").fill("Juno Park");
    await add.getByRole("button", { name: "Add talent" }).click();
    await expect(add.getByRole("alert")).toHaveText("Juno Park is already in this show's talent registry.");

    await card.getByRole("button", { name: "Edit talent" }).click();
    const edit = card.getByRole("form", { name: "Edit Juno Park" });
    await edit.getByLabel("Notes").fill("Lead; agent: Rowe & Co");
    await edit.getByRole("button", { name: "Save talent" }).click();
    await expect(card).toContainText("Lead; agent: Rowe & Co");

    await card.getByRole("button", { name: "Add consent" }).click();
    const consent = card.getByRole("form", { name: "Add consent for Juno Park" });
    await consent.getByLabel("Scope of use").fill("Digital double for SQ010 crowd shots");
    await consent.getByLabel("voice").check();
    await consent.getByLabel("Reference").fill("SAG-2025-0099");
    await consent.getByRole("button", { name: "Save consent" }).click();
    await expect(card).toContainText("consent active");
    const row = card.getByRole("row", { name: /Digital double for SQ010 crowd shots/ });
    await expect(row).toContainText("image, video, voice");
    await expect(row).toContainText("SAG-2025-0099");

    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByLabel("Reason for revoking").fill("Agent withdrew consent");
    await row.getByRole("button", { name: "Confirm revoke" }).click();
    await expect(row).toContainText("revoked");
    await expect(card).toContainText("no active consent");

    await priya.reload();
    await expect(
      priya.getByRole("region", { name: "Juno Park" }).getByRole("row", { name: /crowd shots/ }),
    ).toContainText("revoked");

    const ari = await userPage(browser, app, "ari");
    await ari.goto(`${app.url}/shows/moonfall/talent`);
    await expect(ari.getByText("Producers keep this registry; you can read it.")).toBeVisible();
    await expect(ari.getByRole("region", { name: "Juno Park" })).toBeVisible();
    await expect(ari.getByRole("form", { name: "Add talent" })).toHaveCount(0);
  });
});
