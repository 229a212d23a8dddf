import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import sharp, { type Sharp } from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inScope } from "~/db/client";
import { media } from "~/db/schema";
import { AppError } from "~/server/errors";
import { sha256, sniffImage, storeImage, THUMB_WIDTH } from "~/server/services/media/media";
import { LocalMediaStore, type MediaStore, mediaKeys } from "~/server/storage/media-store";
import { type Seeded, seededDatabase } from "~/testing/db";
import { filesUnder } from "~/testing/media-files";

let t: Seeded;
let showId: string;
let root: string;
let store: CountingStore;

/** The real local store, counting writes so "stored once" is observable. */
class CountingStore implements MediaStore {
  puts: string[] = [];
  constructor(readonly inner: LocalMediaStore) {}
  put(key: string, bytes: Uint8Array) {
    this.puts.push(key);
    return this.inner.put(key, bytes);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  has(key: string) {
    return this.inner.has(key);
  }
  stage(key: string, bytes: Uint8Array) {
    return this.inner.stage(key, bytes);
  }
}

beforeAll(async () => {
  t = await seededDatabase();
  showId = t.seed.shows.moonfall!.id;
  root = mkdtempSync(path.join(tmpdir(), "shotboard-media-test-"));
  store = new CountingStore(new LocalMediaStore(root));
});

afterAll(async () => {
  await t?.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

function storeFrame(bytes: Uint8Array, label?: string) {
  return inScope(t.db.db, { showId }, (tx) => storeImage(tx, store, showId, bytes, label));
}

async function mediaRows(sha: string) {
  return inScope(t.db.db, { showId }, (tx) =>
    tx
      .select()
      .from(media)
      .where(and(eq(media.showId, showId), eq(media.sha256, sha))),
  );
}

/** A frame with noise, so every call gives different bytes and compression cannot shrink it much. */
async function frame(width: number, height: number) {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.random() * 256) | 0;
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

async function refusal(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected the image to be refused, but it was stored");
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A valid small PNG whose IHDR (and its CRC) now claims `width`×`height`. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } })
      .png()
      .toBuffer(),
  );
  // Signature (8) + IHDR length (4) + "IHDR" (4), then width, height; CRC covers type + data (17 bytes).
  expect(png.subarray(12, 16).toString("ascii")).toBe("IHDR");
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

describe("storeImage", () => {
  it.each([
    ["PNG", "image/png", (s: Sharp) => s.png()],
    ["JPEG", "image/jpeg", (s: Sharp) => s.jpeg({ quality: 80 })],
    ["WebP", "image/webp", (s: Sharp) => s.webp({ quality: 80 })],
  ])("accepts a %s: original untouched, thumbnail and web proxy beside it", async (_name, mime, encode) => {
    const bytes = await encode(await frame(800, 450)).toBuffer();
    expect(sniffImage(bytes)).toBe(mime);
    const stored = await storeFrame(bytes, "frame");
    expect(stored).toEqual({ sha256: sha256(bytes), mime, width: 800, height: 450, bytes: bytes.byteLength });

    const keys = mediaKeys(stored.sha256);
    expect(keys.original).toBe(`sha256/${stored.sha256.slice(0, 2)}/${stored.sha256}/original`);
    expect(await store.get(keys.original)).toEqual(bytes);

    const thumb = await store.get(keys.thumb);
    const proxy = await store.get(keys.proxy);
    expect(thumb).not.toBeNull();
    expect(proxy).not.toBeNull();
    const thumbMeta = await sharp(thumb!).metadata();
    expect(thumbMeta.format).toBe("webp");
    expect(thumbMeta.width).toBeLessThanOrEqual(THUMB_WIDTH);
    expect(thumbMeta.width).toBe(THUMB_WIDTH);
    expect(thumbMeta.height).toBe(180);
    const proxyMeta = await sharp(proxy!).metadata();
    expect(proxyMeta.format).toBe("webp");
    expect(proxyMeta.width).toBe(800); // never enlarged

    expect(await mediaRows(stored.sha256)).toEqual([
      expect.objectContaining({ showId, mime, width: 800, height: 450, bytes: bytes.byteLength }),
    ]);
  });

  it("does not enlarge a small image for its thumbnail", async () => {
    const bytes = await (await frame(120, 80)).png().toBuffer();
    const stored = await storeFrame(bytes);
    const thumb = await sharp((await store.get(mediaKeys(stored.sha256).thumb))!).metadata();
    expect(thumb.width).toBe(120);
  });

  it("stores the same bytes once, under their sha256", async () => {
    const bytes = await (await frame(400, 300)).png().toBuffer();
    const sha = sha256(bytes);
    const putsBefore = store.puts.length;
    const first = await storeFrame(bytes, "a.png");
    const second = await storeFrame(Buffer.from(bytes), "copy-of-a.png");
    expect(second).toEqual(first);
    const written = store.puts.slice(putsBefore);
    expect(written.sort()).toEqual(Object.values(mediaKeys(sha)).sort());
    expect(filesUnder(root).filter((f) => f.includes(sha))).toHaveLength(3);
    expect(await mediaRows(sha)).toHaveLength(1);
  });

  describe("refuses bad files with a clear message and stores nothing", () => {
    async function expectRefused(bytes: Uint8Array, label: string, message: RegExp) {
      const files = filesUnder(root).length;
      const puts = store.puts.length;
      const error = await refusal(storeFrame(bytes, label));
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toMatch(message);
      expect(error.message.startsWith(label)).toBe(true);
      expect(store.puts.length).toBe(puts);
      expect(filesUnder(root)).toHaveLength(files);
      expect(await mediaRows(sha256(bytes))).toEqual([]);
    }

    it("a text file renamed .png", async () => {
      const bytes = Buffer.from("These are my shot notes, not an image.\n".repeat(20));
      await expectRefused(bytes, "notes.png", /is not a PNG, JPEG or WebP image/);
    });

    it("an empty file", async () => {
      await expectRefused(new Uint8Array(0), "empty.png", /is not a PNG, JPEG or WebP image/);
    });

    it("a truncated PNG", async () => {
      const full = await (await frame(640, 360)).png().toBuffer();
      const truncated = full.subarray(0, Math.floor(full.length / 2));
      expect(sniffImage(truncated)).toBe("image/png");
      await expectRefused(truncated, "cut.png", /truncated or corrupt/);
    });

    it("a truncated JPEG", async () => {
      const full = await (await frame(640, 360)).jpeg().toBuffer();
      await expectRefused(full.subarray(0, Math.floor(full.length / 2)), "cut.jpg", /truncated or corrupt/);
    });

    it("a PNG header alone", async () => {
      const png = await pngClaiming(8, 8);
      await expectRefused(png.subarray(0, 40), "header.png", /truncated or corrupt/);
    });

    it("a decompression bomb: a tiny PNG claiming 100000×100000 pixels", async () => {
      const bomb = await pngClaiming(100_000, 100_000);
      expect(bomb.byteLength).toBeLessThan(1024);
      await expectRefused(bomb, "bomb.png", /100000×100000; frames may have at most 67 megapixels/);
    });

    it("a PNG claiming just over the pixel limit (8193×8192)", async () => {
      const big = await pngClaiming(8193, 8192);
      await expectRefused(big, "huge.png", /8193×8192; frames may have at most 67 megapixels/);
    });
  });
});

describe("LocalMediaStore", () => {
  const sha = sha256(Buffer.from("store round trip"));

  it("round-trips bytes by key and answers null / false for missing keys", async () => {
    const local = new LocalMediaStore(root);
    const keys = mediaKeys(sha);
    expect(await local.has(keys.original)).toBe(false);
    expect(await local.get(keys.original)).toBeNull();
    await local.put(keys.original, Buffer.from("hello"));
    expect(await local.has(keys.original)).toBe(true);
    expect((await local.get(keys.original))!.toString()).toBe("hello");
    expect(filesUnder(root).some((f) => f.endsWith(".tmp"))).toBe(false);
  });

  it("stages bytes out of sight: published in place, or discarded leaving no file", async () => {
    const local = new LocalMediaStore(root);
    const keys = mediaKeys(sha256(Buffer.from("staged round trip")));
    const before = filesUnder(root).length;
    const kept = await local.stage(keys.original, Buffer.from("kept"));
    const dropped = await local.stage(keys.thumb, Buffer.from("dropped"));
    expect(await local.has(keys.original)).toBe(false);
    await kept.publish();
    await dropped.discard();
    expect((await local.get(keys.original))?.toString()).toBe("kept");
    expect(await local.has(keys.thumb)).toBe(false);
    expect(filesUnder(root)).toHaveLength(before + 1);
  });

  it.each([
    "../x",
    "../../etc/passwd",
    `sha256/${sha.slice(0, 2)}/${sha}/../../../../escape`,
    `sha256/${sha.slice(0, 2)}/${sha}/original/../../x`,
    `/tmp/sha256/${sha.slice(0, 2)}/${sha}/original`,
    `sha256/${sha.slice(0, 2)}/${sha}/secret`,
    `sha256/${sha.slice(0, 2)}/${sha.toUpperCase()}/original`,
    `sha256/${sha.slice(0, 2)}/${sha.slice(1)}/original`,
    `sha256\\${sha.slice(0, 2)}\\${sha}\\original`,
    `sha256/${sha.slice(0, 2)}/${sha}/original\0`,
    "",
  ])("refuses the invalid key %j", async (key) => {
    const local = new LocalMediaStore(path.join(root, "nested"));
    const before = filesUnder(root).length;
    await expect(local.put(key, Buffer.from("x"))).rejects.toThrow(/Invalid media key/);
    await expect(local.get(key)).rejects.toThrow(/Invalid media key/);
    expect(await local.has(key)).toBe(false);
    expect(filesUnder(root)).toHaveLength(before);
  });

  it("mediaKeys refuses anything but a sha256 hex digest", () => {
    expect(() => mediaKeys("../../etc")).toThrow(/Invalid media key/);
    expect(() => mediaKeys("A".repeat(64))).toThrow(/Invalid media key/);
    expect(() => mediaKeys(sha)).not.toThrow();
  });
});
