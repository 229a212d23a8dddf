/** Caps on what a file may put into the row: a hostile file cannot bloat it. */
export const MAX_PROMPT = 8000;
export const MAX_FIELD = 500;
export const MAX_RAW = 4000;
export const MAX_PARAMETERS = 60;
export const MAX_INFLATE = 4 * 1024 * 1024;
export const MAX_CHUNKS = 10_000;

export function cap(value: string, max = MAX_FIELD): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

export function text(value: unknown, max = MAX_FIELD): string | undefined {
  if (typeof value === "string") {
    const trimmed = value.trim();
    return trimmed ? cap(trimmed, max) : undefined;
  }
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  return undefined;
}
