import { decode, u32be, u32le } from "~/server/services/ingest/embedded-metadata/bytes";

// EXIF: text fields only.

/**
 * The byte order of UTF-16 text in an EXIF UserComment: writers disagree (piexif, used by
 * Automatic1111, always writes big-endian), so a BOM, then where the zero bytes of ASCII
 * characters sit, decide; the TIFF byte order is the fallback.
 */
function utf16Order(b: Uint8Array, tiffLittleEndian: boolean): "utf16le" | "utf16be" {
  if (b[0] === 0xfe && b[1] === 0xff) return "utf16be";
  if (b[0] === 0xff && b[1] === 0xfe) return "utf16le";
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i + 1 < Math.min(b.length, 256); i += 2) {
    if (b[i] === 0) evenZeros++;
    if (b[i + 1] === 0) oddZeros++;
  }
  if (evenZeros !== oddZeros) return evenZeros > oddZeros ? "utf16be" : "utf16le";
  return tiffLittleEndian ? "utf16le" : "utf16be";
}

const EXIF_TAGS: Record<number, string> = {
  270: "ImageDescription",
  305: "Software",
  315: "Artist",
  37510: "UserComment",
};

export function readExif(tiff: Uint8Array, out: Map<string, string>) {
  if (tiff.length < 8) return;
  const le = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!le && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return;
  const u16 = (o: number) => (le ? tiff[o]! + (tiff[o + 1]! << 8) : (tiff[o]! << 8) + tiff[o + 1]!);
  const u32 = (o: number) => (le ? u32le(tiff, o) : u32be(tiff, o));
  const visit = (ifd: number, depth: number) => {
    if (depth > 2 || ifd + 2 > tiff.length) return;
    const count = Math.min(u16(ifd), 500);
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + i * 12;
      if (entry + 12 > tiff.length) return;
      const tag = u16(entry);
      const type = u16(entry + 2);
      const n = u32(entry + 4);
      if (tag === 0x8769) {
        visit(u32(entry + 8), depth + 1);
        continue;
      }
      const name = EXIF_TAGS[tag];
      if (!name || (type !== 2 && type !== 7) || n > 1_000_000) continue;
      const offset = n <= 4 ? entry + 8 : u32(entry + 8);
      if (offset + n > tiff.length) continue;
      let value = tiff.subarray(offset, offset + n);
      let encoding: "latin1" | "utf8" | "utf16le" | "utf16be" = "utf8";
      if (tag === 0x9286 && value.length >= 8) {
        const head = decode(value.subarray(0, 8), "latin1");
        if (head.startsWith("UNICODE")) encoding = utf16Order(value.subarray(8), le);
        value = value.subarray(8);
      }
      const decoded =
        encoding === "utf16le" || encoding === "utf16be"
          ? new TextDecoder(encoding === "utf16le" ? "utf-16le" : "utf-16be").decode(value)
          : decode(value, "utf8");
      const clean = decoded.replace(/\0+$/, "").trim();
      if (clean && !out.has(name)) out.set(name, clean);
    }
  };
  visit(u32(4), 0);
}
