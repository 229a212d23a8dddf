/**
 * How big and how deep a version's provenance may be: one set of limits for the provenance
 * that comes with an ingest and for the document a person's edit leaves behind.
 */

/** Largest provenance document: its JSON in UTF-8 bytes (as sent with an ingest, as stored after an edit). */
export const MAX_PROVENANCE_BYTES = 256 * 1024;
/** Longest text anywhere in `parameters` (a key or a value, at any depth), in characters. */
export const MAX_PARAMETER_TEXT_CHARS = 16 * 1024;
/** Deepest nesting of objects and arrays in a provenance document; its root object is level 1. */
export const MAX_PROVENANCE_DEPTH = 32;

export type ProvenanceLimitIssue = { path: string; message: string; error: string };

/** The refusal of a document of `bytes` bytes, or null when it is within MAX_PROVENANCE_BYTES. */
export function provenanceSizeIssue(bytes: number): ProvenanceLimitIssue | null {
  if (bytes <= MAX_PROVENANCE_BYTES) return null;
  return {
    path: "(root)",
    message: `larger than ${MAX_PROVENANCE_BYTES} bytes`,
    error: `Provenance is too large: the limit is ${MAX_PROVENANCE_BYTES} bytes (${MAX_PROVENANCE_BYTES / 1024} KiB) of JSON, and this is ${bytes} bytes. Keep bulky data such as a full node graph in your pipeline and put a reference to it in parameters.`,
  };
}

/** UTF-8 bytes of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "");
}

/**
 * The first place a parsed provenance document breaks the depth or text limits, or null.
 * Never descends past MAX_PROVENANCE_DEPTH, so a document nested thousands deep costs no more
 * than one nested just too deep.
 */
export function provenanceShapeIssue(document: unknown): ProvenanceLimitIssue | null {
  return visit(document, [], 1, false);
}

function visit(
  value: unknown,
  path: string[],
  level: number,
  inParameters: boolean,
): ProvenanceLimitIssue | null {
  if (typeof value === "string") return inParameters ? textIssue(value, path, "value") : null;
  if (value === null || typeof value !== "object") return null;
  if (level > MAX_PROVENANCE_DEPTH) {
    // Named by the parameter (or field) it is in: the full path would be as deep as the nesting.
    const where = path.slice(0, 2).join(".") || "(root)";
    return {
      path: where,
      message: `nested deeper than ${MAX_PROVENANCE_DEPTH} levels`,
      error: `Provenance is nested too deeply at ${where}: the limit is ${MAX_PROVENANCE_DEPTH} levels of objects and arrays. Flatten the parameters, or keep the structure in your pipeline and put a reference to it in parameters.`,
    };
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    const inside = inParameters || (level === 1 && key === "parameters");
    if (inParameters && !Array.isArray(value)) {
      const keyIssue = textIssue(key, path, "key");
      if (keyIssue) return keyIssue;
    }
    const issue = visit(child, [...path, key], level + 1, inside);
    if (issue) return issue;
  }
  return null;
}

function textIssue(text: string, path: string[], what: "key" | "value"): ProvenanceLimitIssue | null {
  if (text.length <= MAX_PARAMETER_TEXT_CHARS) return null;
  const where = path.join(".");
  const subject = what === "key" ? `A key in ${where}` : `Provenance value ${where}`;
  return {
    path: where,
    message: `${what === "key" ? "a key " : ""}longer than ${MAX_PARAMETER_TEXT_CHARS} characters`,
    error: `${subject} is too long (${text.length} characters): the limit is ${MAX_PARAMETER_TEXT_CHARS} characters for each text in parameters. Shorten it, or keep it in your pipeline and put a reference to it in parameters.`,
  };
}
