import { contains, decode } from "~/server/services/ingest/embedded-metadata/bytes";
import { emptyFound, type Found, putText } from "~/server/services/ingest/embedded-metadata/found";
import { MAX_CHUNKS } from "~/server/services/ingest/embedded-metadata/limits";

const XMP_JPEG_HEADER = "http://ns.adobe.com/xap/1.0/\0";

/** APP1 (XMP, EXIF), APP11 (C2PA JUMBF) and COM segments, up to the start of scan. */
export function readJpeg(b: Uint8Array): Found {
  const found = emptyFound("jpeg");
  const jumbf: Uint8Array[] = [];
  let at = 2;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    if (at + 4 > b.length) {
      found.errors.push("The JPEG ends inside its header segments (truncated file).");
      break;
    }
    if (b[at] !== 0xff) {
      found.errors.push("The JPEG's segment structure is corrupt.");
      break;
    }
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, start of scan: no more metadata
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = (b[at + 2]! << 8) + b[at + 3]!;
    const start = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > b.length) {
      found.errors.push("A JPEG segment runs past the end of the file (truncated).");
      break;
    }
    const data = b.subarray(start, end);
    if (marker === 0xe1) {
      const head = decode(data.subarray(0, XMP_JPEG_HEADER.length), "latin1");
      if (head === XMP_JPEG_HEADER) found.xmp.push(decode(data.subarray(XMP_JPEG_HEADER.length), "utf8"));
      else if (head.startsWith("Exif\0\0")) found.exif.push(data.subarray(6));
    } else if (marker === 0xeb && data[0] === 0x4a && data[1] === 0x50) {
      // APP11 "JP": common identifier, box instance (2), packet sequence (4), then JUMBF.
      jumbf.push(data.subarray(jumbf.length === 0 ? 8 : 16));
    } else if (marker === 0xfe) {
      putText(found, "Comment", decode(data, "utf8"));
    }
    at = end;
  }
  if (jumbf.length > 0) {
    const total = jumbf.reduce((s, p) => s + p.length, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const p of jumbf) {
      bytes.set(p, o);
      o += p.length;
    }
    if (contains(bytes, "c2pa")) found.c2pa = { container: "jpeg:APP11", bytes };
  }
  return found;
}
