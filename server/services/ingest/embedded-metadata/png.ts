import { inflateSync } from "node:zlib";
import { decode, indexOfByte, u32be } from "~/server/services/ingest/embedded-metadata/bytes";
import { emptyFound, type Found, putText } from "~/server/services/ingest/embedded-metadata/found";
import { MAX_CHUNKS, MAX_INFLATE } from "~/server/services/ingest/embedded-metadata/limits";

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function inflate(bytes: Uint8Array): Uint8Array | null {
  try {
    return inflateSync(bytes, { maxOutputLength: MAX_INFLATE });
  } catch {
    return null;
  }
}

/** Text chunks (tEXt, zTXt, iTXt; XMP in iTXt), eXIf and the C2PA store (caBX), up to IEND. */
export function readPng(b: Uint8Array): Found {
  const found = emptyFound("png");
  let at = 8;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    if (at + 8 > b.length) {
      found.errors.push("The PNG ends before its IEND chunk (truncated file).");
      break;
    }
    const length = u32be(b, at);
    const type = decode(b.subarray(at + 4, at + 8), "latin1");
    const start = at + 8;
    const end = start + length;
    if (end + 4 > b.length) {
      found.errors.push(`The PNG chunk ${JSON.stringify(type)} runs past the end of the file (truncated).`);
      break;
    }
    const data = b.subarray(start, end);
    if (type === "tEXt") readTextChunk(data, found);
    else if (type === "zTXt") readZtxtChunk(data, found);
    else if (type === "iTXt") readItxtChunk(data, found);
    else if (type === "caBX") found.c2pa = { container: "png:caBX", bytes: data };
    else if (type === "eXIf") found.exif.push(data);
    else if (type === "IEND") break;
    at = end + 4;
  }
  return found;
}

function keywordEnd(data: Uint8Array): number {
  const nul = indexOfByte(data, 0, 0, Math.min(data.length, 80));
  return nul;
}

function readTextChunk(data: Uint8Array, found: Found) {
  const nul = keywordEnd(data);
  if (nul <= 0) return;
  putText(found, decode(data.subarray(0, nul), "latin1"), decode(data.subarray(nul + 1), "latin1"));
}

function readZtxtChunk(data: Uint8Array, found: Found) {
  const nul = keywordEnd(data);
  if (nul <= 0 || data[nul + 1] !== 0) return;
  const inflated = inflate(data.subarray(nul + 2));
  if (!inflated) {
    found.errors.push("A compressed PNG text chunk could not be inflated.");
    return;
  }
  putText(found, decode(data.subarray(0, nul), "latin1"), decode(inflated, "latin1"));
}

function readItxtChunk(data: Uint8Array, found: Found) {
  const nul = keywordEnd(data);
  if (nul <= 0 || nul + 3 > data.length) return;
  const compressed = data[nul + 1] === 1;
  const langEnd = indexOfByte(data, 0, nul + 3);
  if (langEnd < 0) return;
  const translatedEnd = indexOfByte(data, 0, langEnd + 1);
  if (translatedEnd < 0) return;
  let body = data.subarray(translatedEnd + 1);
  if (compressed) {
    const inflated = inflate(body);
    if (!inflated) {
      found.errors.push("A compressed PNG international text chunk could not be inflated.");
      return;
    }
    body = inflated;
  }
  putText(found, decode(data.subarray(0, nul), "latin1"), decode(body, "utf8"));
}
