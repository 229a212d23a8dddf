import { decode, startsWith, u32le } from "~/server/services/ingest/embedded-metadata/bytes";
import { emptyFound, type Found } from "~/server/services/ingest/embedded-metadata/found";
import { MAX_CHUNKS } from "~/server/services/ingest/embedded-metadata/limits";

/** RIFF chunks `XMP `, `EXIF` and `C2PA`. */
export function readWebp(b: Uint8Array): Found {
  const found = emptyFound("webp");
  let at = 12;
  for (let n = 0; n < MAX_CHUNKS && at + 8 <= b.length; n++) {
    const type = decode(b.subarray(at, at + 4), "latin1");
    const size = u32le(b, at + 4);
    const start = at + 8;
    const end = start + size;
    if (end > b.length) {
      found.errors.push(`The WebP chunk ${JSON.stringify(type)} runs past the end of the file (truncated).`);
      break;
    }
    const data = b.subarray(start, end);
    if (type === "XMP ") found.xmp.push(decode(data, "utf8"));
    else if (type === "EXIF") found.exif.push(startsWith(data, "Exif\0\0") ? data.subarray(6) : data);
    else if (type === "C2PA") found.c2pa = { container: "webp:C2PA", bytes: data };
    at = end + (size % 2);
  }
  return found;
}
