/**
 * Ingest throughput: 200 generated 1920×1080 PNG frames through the ingest service (type and
 * header checks, sha256, full decode into thumbnail + web proxy, content-addressed store on
 * local disk, one transaction with version, frames, provenance and audit event on embedded
 * PGlite) — next to the raw throughput of sharp alone doing the same decode + resizes on the
 * same frames with the same concurrency, in the same run. Then the idempotent re-send.
 *
 *   npm run bench:ingest
 *   BENCH_FRAMES=50 npm run bench:ingest
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import { openPglite } from "~/db/client";
import { shots, shows, users } from "~/db/schema";
import { type IngestFile, ingestVersion } from "~/server/services/ingest/ingest";
import { DecodeGate } from "~/server/services/media/decode-gate";
import { decodeVariants } from "~/server/services/media/media";
import { LocalMediaStore } from "~/server/storage/media-store";

const FRAMES = Number(process.env.BENCH_FRAMES ?? 200);
const WIDTH = 1920;
const HEIGHT = 1080;
const CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

/** A frame that compresses like a render: gradients, a moving disc, a little grain. */
async function frame(i: number): Promise<Buffer> {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  const cx = (i * 9) % WIDTH;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const o = (y * WIDTH + x) * 3;
      const grain = (((x * 7919) ^ (y * 104729) ^ (i * 31)) & 7) - 4;
      const inDisc = (x - cx) ** 2 + (y - 540) ** 2 < 160 ** 2;
      pixels[o] = inDisc ? 240 : ((x * 255) / WIDTH + grain) & 255;
      pixels[o + 1] = inDisc ? 200 : ((y * 255) / HEIGHT + grain) & 255;
      pixels[o + 2] = ((i * 3 + grain + 128) & 255) >>> 0;
    }
  }
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .png()
    .toBuffer();
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function line(label: string, ms: number, bytes: number): string {
  const s = ms / 1000;
  return `${label.padEnd(52)} ${s.toFixed(2).padStart(7)} s  ${(FRAMES / s).toFixed(1).padStart(7)} frames/s  ${(bytes / 1024 / 1024 / s).toFixed(1).padStart(7)} MiB/s`;
}

async function main() {
  console.log(`Generating ${FRAMES} ${WIDTH}×${HEIGHT} PNG frames…`);
  const files: IngestFile[] = [];
  for (let i = 0; i < FRAMES; i++) files.push({ name: `sh0040.${1001 + i}.png`, bytes: await frame(i) });
  const bytes = files.reduce((n, f) => n + f.bytes.byteLength, 0);
  console.log(
    `${FRAMES} frames, ${(bytes / 1024 / 1024).toFixed(1)} MiB of PNG; concurrency ${CONCURRENCY}; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}\n`,
  );

  // Baseline: the image library alone, same decode and resizes, same concurrency, nothing
  // stored. Run before and after the ingest, so load from elsewhere on the machine shows up.
  const sharpAlone = async () => {
    const t0 = performance.now();
    await pool(files, CONCURRENCY, (f) => decodeVariants(f.bytes));
    return performance.now() - t0;
  };
  const rawBefore = await sharpAlone();
  let t0: number;

  const db = await openPglite();
  const mediaDir = mkdtempSync(path.join(tmpdir(), "shotboard-bench-ingest-"));
  try {
    const [user] = await db.db
      .insert(users)
      .values({ email: "bench@shotboard.test", name: "Bench" })
      .returning();
    const [show] = await db.db.insert(shows).values({ slug: "bench", title: "Bench" }).returning();
    await db.db
      .insert(shots)
      .values({ showId: show!.id, code: "SH0040", frameStart: 1001, frameEnd: 1000 + FRAMES });
    const input = {
      showId: show!.id,
      shot: "SH0040",
      files,
      provenance: { sourceType: "trainedAlgorithmicMedia", model: "bench-model", seed: 1 },
      actor: { kind: "user" as const, userId: user!.id },
    };
    const opts = {
      store: new LocalMediaStore(mediaDir),
      maxFileBytes: 200 * 1024 * 1024,
      concurrency: CONCURRENCY,
      // As many decodes at once as sharp alone runs (the app's default is MEDIA_DECODE_CONCURRENCY=2).
      decodeGate: new DecodeGate(CONCURRENCY),
    };

    t0 = performance.now();
    const created = await ingestVersion(db.db, input, opts);
    const ingest = performance.now() - t0;
    if (!created.created || created.frames !== FRAMES)
      throw new Error("the bench ingest did not create the version");

    t0 = performance.now();
    const again = await ingestVersion(db.db, input, opts);
    const resend = performance.now() - t0;
    if (again.created) throw new Error("the re-send created a new version");
    const rawAfter = await sharpAlone();
    const raw = (rawBefore + rawAfter) / 2;

    console.log(line("sharp alone, before: decode + thumb + proxy", rawBefore, bytes));
    console.log(line("sharp alone, after", rawAfter, bytes));
    console.log(line("ingest: checks + hash + thumb + proxy + store + DB", ingest, bytes));
    console.log(line("ingest re-send (idempotent: hash + lookup)", resend, bytes));
    console.log(`\ningest / sharp alone (mean of both runs): ${(ingest / raw).toFixed(2)}× the time`);
  } finally {
    await db.close();
    rmSync(mediaDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
