import * as Y from "yjs";
import { deletionProblem, heldAfter } from "~/server/realtime/guard/deletions";
import { type Decoded, type Landing, landingOf, stateOf } from "~/server/realtime/guard/landing";
import { annotationProblem, type FrameRange } from "~/shared/annotation-schema";
import { ANNOTATIONS_KEY } from "~/shared/annotations";
import { boardValueProblem, DECISIONS_KEY, SESSION_KEY } from "~/shared/board-session";
import type { DocKind } from "~/shared/doc-name";

/** The only top-level types a client may write, per document kind; each a map of plain values. */
export const LIVE_MAPS: Record<DocKind, readonly string[]> = {
  version: [ANNOTATIONS_KEY],
  board: [SESSION_KEY, DECISIONS_KEY],
};

/** The writer as the server knows them (never as the client says). */
export type Writer = { id: string; name: string; mayEditOthers: boolean };
export type GuardContext = { kind: DocKind; writer: Writer; frames: FrameRange | null };

const OTHERS = "only the director may edit or delete others' annotations";
const UNKNOWN = "an update that refers to content the server does not hold";

type Stored = { authorId?: unknown; authorName?: unknown } | undefined;
const authorOf = (value: unknown) => {
  const author = (value as Stored)?.authorId;
  return typeof author === "string" ? author : undefined;
};

/**
 * Checks a document update before it is applied: every new item is a plain value in one of the
 * document's maps and valid for its field, annotations are in the writer's own name (as the
 * server knows it) or edited by someone allowed to, and deletions touch only what the server
 * holds and the writer may delete. Returns why the update is refused, or null.
 */
export function updateProblem(doc: Y.Doc, update: Decoded, ctx: GuardContext): string | null {
  const allowed = LIVE_MAPS[ctx.kind];
  const held = heldAfter(doc, update);
  for (const struct of update.structs) {
    if (struct instanceof Y.Skip) return UNKNOWN;
    const next = held.get(struct.id.client) ?? 0;
    if (struct.id.clock >= next) return UNKNOWN; // after a gap: Yjs would keep it pending
    if (stateOf(doc, struct.id.client) >= struct.id.clock + struct.length) continue; // already held
    if (!(struct instanceof Y.Item)) continue; // garbage: content created and deleted offline
    const landing = landingOf(doc, update, struct);
    if (!landing) return UNKNOWN;
    if (!allowed.includes(landing.map))
      return `the ${ctx.kind} document has no part named "${landing.map.slice(0, 40)}"`;
    if (landing.in !== "map")
      return `${ctx.kind === "version" ? "annotations" : "board values"} must be plain values`;
    if (struct.content instanceof Y.ContentDeleted) continue;
    const values = struct.content instanceof Y.ContentAny ? struct.content.getContent() : null;
    if (values?.length !== 1)
      return `${ctx.kind === "version" ? "annotations" : "board values"} must be plain values`;
    const refused =
      ctx.kind === "version"
        ? annotationWriteProblem(doc, landing.key, values[0], ctx)
        : boardValueProblem(landing.map, landing.key, values[0], ctx.writer);
    if (refused) return refused;
  }
  return deletionProblem(doc, update, held, (item, landing) => mayDelete(item, landing, ctx));
}

function annotationWriteProblem(doc: Y.Doc, key: string, value: unknown, ctx: GuardContext): string | null {
  const invalid = annotationProblem(key, value, ctx.frames);
  if (invalid) return invalid;
  const { writer } = ctx;
  const current = doc.getMap(ANNOTATIONS_KEY).get(key) as Stored;
  const author = authorOf(value);
  const name = (value as { authorName: string }).authorName;
  const currentAuthor = authorOf(current);
  if (currentAuthor === undefined) {
    if (author !== writer.id) return "new annotations must be in your own name";
    if (name !== writer.name) return "an annotation's author name must be the author's own";
    return null;
  }
  if (author !== currentAuthor) return "an annotation's author cannot be changed";
  if (author !== writer.id && !writer.mayEditOthers) return OTHERS;
  // An edit keeps the stored name (what is shown comes from the server's record of the author
  // id) or, by the author, puts their own in.
  if (name === current?.authorName || (author === writer.id && name === writer.name)) return null;
  return "an annotation's author name must be the author's own";
}

function mayDelete(item: Y.Item, landing: Landing, ctx: GuardContext): string | null {
  if (ctx.kind === "board" && LIVE_MAPS.board.includes(landing.map)) return null; // presenters drive the session
  if (ctx.writer.mayEditOthers) return null;
  if (ctx.kind === "version" && landing.in === "map" && landing.map === ANNOTATIONS_KEY) {
    const value = item.content instanceof Y.ContentAny ? item.content.getContent()[0] : undefined;
    if (authorOf(value) === ctx.writer.id) return null;
  }
  return OTHERS;
}
