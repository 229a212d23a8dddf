/**
 * Text PostgreSQL cannot store, refused before any procedure runs: a NUL character (text
 * columns reject it) or a lone UTF-16 surrogate (not valid Unicode; it would be stored as a
 * replacement character, changing what the user typed). Returns the path of the first such
 * string in a raw tRPC input, or null.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function findUnstorableText(value: unknown, path = "input", depth = 0): string | null {
  if (depth > 64) return null; // deeper than any schema: zod refuses it by shape
  if (typeof value === "string") return value.includes("\u0000") || LONE_SURROGATE.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object" && !(value instanceof Date)) {
    for (const [key, v] of Object.entries(value)) {
      const found = findUnstorableText(v, `${path}.${key}`, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

/** PostgreSQL "data exception" (SQLSTATE class 22): a value out of range or malformed for its column. */
export function isDataException(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
