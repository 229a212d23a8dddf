import { createHash } from "node:crypto";
import sharp from "sharp";
import type { Queryable } from "~/db/client";
import { media } from "~/db/schema";
import { AppError } from "~/server/errors";
import { type DecodeGate, processDecodeGate } from "~/server/services/media/decode-gate";
import { type MediaStore, mediaKeys } from "~/server/storage/media-store";

export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024; // 8K × 8K; larger is a decompression bomb for review
export const THUMB_WIDTH = 320;
export const PROXY_WIDTH = 1920;

const SIGNATURES: { mime: string; test: (b: Uint8Array) => boolean }[] = [
  { mime: "image/png", test: (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  { mime: "image/jpeg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    mime: "image/webp",
    test: (b) =>
      String.fromCharCode(...b.subarray(0, 4)) === "RIFF" &&
      String.fromCharCode(...b.subarray(8, 12)) === "WEBP",
  },
];

/** The image type by content (never by file name), or null when it is not a frame we accept. */
export function sniffImage(bytes: Uint8Array): string | null {
  return SIGNATURES.find((s) => s.test(bytes))?.mime ?? null;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export type StoredImage = { sha256: string; mime: string; width: number; height: number; bytes: number };

const CLIP_IMAGE_BRANDS = new Set([
  "heic",
  "heix",
  "heim",
  "heis",
  "hevc",
  "mif1",
  "msf1",
  "avif",
  "avis",
  "crx ",
]);

/** The clip type by content: MP4 (an `ftyp` box that is not an image brand) or WebM (EBML, doctype webm). */
export function sniffClip(bytes: Uint8Array): string | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(4, 8) === "ftyp" && !CLIP_IMAGE_BRANDS.has(ascii(8, 12)))
    return "video/mp4";
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    // The DocType element (0x4282) sits in the EBML header, within its first few dozen bytes.
    if (ascii(0, Math.min(bytes.length, 64)).includes("webm")) return "video/webm";
  }
  return null;
}

/**
 * The header checks of an image, no pixels decoded: type by content, dimensions present and
 * within MAX_IMAGE_PIXELS, so an oversized frame is named before anything decodes it.
 */
export async function inspectImage(
  bytes: Uint8Array,
  label = "file",
): Promise<{ mime: string; width: number; height: number }> {
  const mime = sniffImage(bytes);
  if (!mime) throw new AppError("BAD_REQUEST", `${label} is not a PNG, JPEG or WebP image.`);
  let width: number;
  let height: number;
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    width = meta.width ?? 0;
    height = meta.height ?? 0;
  } catch {
    throw new AppError(
      "BAD_REQUEST",
      `${label} could not be read as an image; it may be truncated or corrupt.`,
    );
  }
  if (!width || !height) throw new AppError("BAD_REQUEST", `${label} has no image dimensions.`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new AppError(
      "BAD_REQUEST",
      `${label} is ${width}×${height}; frames may have at most 67 megapixels.`,
    );
  }
  return { mime, width, height };
}

/** A checked, fully decoded image and its variants, ready to be written to the store. */
export type PreparedImage = StoredImage & { variants: { thumb: Buffer; proxy: Buffer } | null };

/**
 * Decodes an image once, down to proxy size, and encodes its web proxy and thumbnail from those
 * pixels: one full-resolution decode per frame (a pipeline per variant would decode it twice).
 */
export async function decodeVariants(bytes: Uint8Array): Promise<{ thumb: Buffer; proxy: Buffer }> {
  const { data, info } = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: "error" })
    .resize({ width: PROXY_WIDTH, withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const [proxy, thumb] = await Promise.all([
    sharp(data, raw).webp({ quality: 88 }).toBuffer(),
    sharp(data, raw)
      .resize({ width: THUMB_WIDTH, withoutEnlargement: true })
      .webp({ quality: 78 })
      .toBuffer(),
  ]);
  return { thumb, proxy };
}

/**
 * Checks an image fully (header, then a full decode into its thumbnail and web proxy) without
 * writing anything. Media already in the store (same sha256) is not decoded again. The decode
 * waits its turn at `gate`: by default the process's, shared by every request.
 */
export async function prepareImage(
  store: MediaStore,
  bytes: Uint8Array,
  label = "file",
  gate: DecodeGate = processDecodeGate(),
): Promise<PreparedImage> {
  const { mime, width, height } = await inspectImage(bytes, label);
  const sha = sha256(bytes);
  const stored = { sha256: sha, mime, width, height, bytes: bytes.byteLength };
  if (await store.has(mediaKeys(sha).proxy)) return { ...stored, variants: null };
  try {
    return { ...stored, variants: await gate.run(() => decodeVariants(bytes)) };
  } catch {
    throw new AppError("BAD_REQUEST", `${label} could not be decoded; it may be truncated or corrupt.`);
  }
}

/**
 * The files of a prepared image, in the order they are written: the untouched original, the
 * thumbnail, then the proxy (last: it marks "complete"). None when the store already has them.
 */
export function preparedFiles(image: PreparedImage, bytes: Uint8Array): { key: string; bytes: Uint8Array }[] {
  if (!image.variants) return [];
  const keys = mediaKeys(image.sha256);
  return [
    { key: keys.original, bytes },
    { key: keys.thumb, bytes: image.variants.thumb },
    { key: keys.proxy, bytes: image.variants.proxy },
  ];
}

/** Writes a prepared image's files (see preparedFiles) straight into the store. */
export async function writePrepared(
  store: MediaStore,
  image: PreparedImage,
  bytes: Uint8Array,
): Promise<void> {
  for (const file of preparedFiles(image, bytes)) await store.put(file.key, file.bytes);
}

/** Records media known to a show (idempotent). */
export async function recordMedia(tx: Queryable, showId: string, m: StoredImage): Promise<void> {
  await tx
    .insert(media)
    .values({ showId, sha256: m.sha256, mime: m.mime, width: m.width, height: m.height, bytes: m.bytes })
    .onConflictDoNothing();
}

/**
 * Checks an image fully (type by content, dimensions, decodability), stores the untouched
 * original once by sha256 with a thumbnail and a web proxy, and records it for the show.
 */
export async function storeImage(
  tx: Queryable,
  store: MediaStore,
  showId: string,
  bytes: Uint8Array,
  label = "file",
): Promise<StoredImage> {
  const { variants, ...image } = await prepareImage(store, bytes, label);
  await writePrepared(store, { ...image, variants }, bytes);
  await recordMedia(tx, showId, image);
  return image;
}
