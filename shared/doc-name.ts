/** Live documents: one per version (annotations, comments), one per board (session state). */
export type DocKind = "version" | "board";
export type DocRef = { kind: DocKind; showId: string; id: string; name: string };

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const DOC_NAME = new RegExp(`^show/(${UUID})/(version|board)/(${UUID})$`);

export function docName(kind: DocKind, showId: string, id: string): string {
  return `show/${showId}/${kind}/${id}`;
}

export function parseDocName(name: string): DocRef | null {
  const m = DOC_NAME.exec(name);
  if (!m) return null;
  return { showId: m[1]!, kind: m[2] as DocKind, id: m[3]!, name };
}
