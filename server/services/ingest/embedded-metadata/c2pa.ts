import type { EmbeddedProvenance } from "~/db/schema/provenance";
import { contains, decode, indexOfAscii } from "~/server/services/ingest/embedded-metadata/bytes";
import type { Found } from "~/server/services/ingest/embedded-metadata/found";
import { cap } from "~/server/services/ingest/embedded-metadata/limits";
import { sourceTypeCode } from "~/shared/digital-source-types";

// C2PA: JUMBF + CBOR, read, not validated.

function cborText(b: Uint8Array, at: number): string | undefined {
  const head = b[at];
  if (head === undefined || head >> 5 !== 3) return undefined;
  const info = head & 0x1f;
  let length: number;
  let start: number;
  if (info < 24) [length, start] = [info, at + 1];
  else if (info === 24) [length, start] = [b[at + 1] ?? 0, at + 2];
  else if (info === 25) [length, start] = [((b[at + 1] ?? 0) << 8) + (b[at + 2] ?? 0), at + 3];
  else return undefined;
  if (start + length > b.length) return undefined;
  return decode(b.subarray(start, start + length), "utf8");
}

function cborKey(key: string): Uint8Array {
  const bytes = new TextEncoder().encode(key);
  if (bytes.length >= 24) return new Uint8Array([0x78, bytes.length, ...bytes]);
  return new Uint8Array([0x60 | bytes.length, ...bytes]);
}

function cborValuesAfter(b: Uint8Array, key: string, limit: number): string[] {
  const needle = cborKey(key);
  const values: string[] = [];
  for (let at = indexOfAscii(b, needle); at >= 0 && values.length < limit; ) {
    const value = cborText(b, at + needle.length);
    if (value) values.push(value);
    at = indexOfAscii(b, needle, at + needle.length);
  }
  return values;
}

/**
 * Reads the claim generator and actions out of a C2PA manifest store by locating their CBOR
 * fields. The signature is not checked (no pure-JS validator is used here), so the result is
 * always `validation: "unverified"`.
 */
export function readC2pa(found: NonNullable<Found["c2pa"]>): NonNullable<EmbeddedProvenance["c2pa"]> {
  const b = found.bytes;
  const isJumbf = contains(b.subarray(0, Math.min(b.length, 64)), "jumb") || contains(b, "jumd");
  let claimGenerator = cborValuesAfter(b, "claim_generator", 1)[0];
  if (!claimGenerator) {
    const info = indexOfAscii(b, cborKey("claim_generator_info"));
    if (info >= 0) claimGenerator = cborValuesAfter(b.subarray(info), "name", 1)[0];
  }
  const actions = [...new Set(cborValuesAfter(b, "action", 20))].map((a) => cap(a, 100));
  const sourceTypes = cborValuesAfter(b, "digitalSourceType", 5)
    .map(sourceTypeCode)
    .filter((s) => !!s);
  const readable = isJumbf && (!!claimGenerator || actions.length > 0);
  return {
    present: true,
    readable,
    validation: "unverified",
    container: found.container,
    ...(claimGenerator ? { claimGenerator: cap(claimGenerator) } : {}),
    ...(actions.length > 0 ? { actions } : {}),
    ...(sourceTypes[0] ? { digitalSourceType: sourceTypes[0] } : {}),
  };
}
