import { createHash } from "node:crypto";
import sharp from "sharp";
import type { Queryable } from "~/db/client";
import { media } from "~/db/schema";
import { AppError } from "~/server/errors";
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
  const mime = sniffImage(bytes);
  if (!mime) throw new AppError("BAD_REQUEST", `${label} is not a PNG, JPEG or WebP image.`);
  let width: number;
  let height: number;
  try {
    // Header only, no pixels decoded: the size check below then names an oversized frame clearly.
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
  const sha = sha256(bytes);
  const keys = mediaKeys(sha);
  if (!(await store.has(keys.proxy))) {
    let thumb: Buffer;
    let proxy: Buffer;
    try {
      const image = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: "truncated" });
      thumb = await image
        .clone()
        .resize({ width: THUMB_WIDTH, withoutEnlargement: true })
        .webp({ quality: 78 })
        .toBuffer();
      proxy = await image
        .clone()
        .resize({ width: PROXY_WIDTH, withoutEnlargement: true })
        .webp({ quality: 88 })
        .toBuffer();
    } catch {
      throw new AppError("BAD_REQUEST", `${label} could not be decoded; it may be truncated or corrupt.`);
    }
    await store.put(keys.original, bytes);
    await store.put(keys.thumb, thumb);
    await store.put(keys.proxy, proxy);
  }
  await tx
    .insert(media)
    .values({ showId, sha256: sha, mime, width, height, bytes: bytes.byteLength })
    .onConflictDoNothing();
  return { sha256: sha, mime, width, height, bytes: bytes.byteLength };
}
