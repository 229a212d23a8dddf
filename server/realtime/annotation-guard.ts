import * as Y from "yjs";
import { ANNOTATIONS_KEY } from "~/app/_lib/annotations";

type Decoded = ReturnType<typeof Y.decodeUpdate>;
type ID = { client: number; clock: number };
type Struct = Decoded["structs"][number];
export type Annotator = { id: string; mayEditOthers: boolean };

/** Where an item lands: as the value of `key` in the annotations map, nested inside it, or elsewhere. */
type Landing = { in: "annotations"; key: string } | { in: "annotations-nested" } | { in: "elsewhere" };

function findIn(structs: Struct[], id: ID): Struct | undefined {
  return structs.find(
    (s) => s.id.client === id.client && s.id.clock <= id.clock && id.clock < s.id.clock + s.length,
  );
}

/** The index of the struct holding `clock` in one client's list, or -1. */
function indexOf(structs: Struct[] | undefined, clock: number): number {
  if (!structs || structs.length === 0) return -1;
  const last = structs[structs.length - 1]!;
  if (clock < structs[0]!.id.clock || clock >= last.id.clock + last.length) return -1;
  return Y.findIndexSS(structs as never, clock);
}

function findInDoc(doc: Y.Doc, id: ID): Y.Item | undefined {
  const structs = doc.store.clients.get(id.client);
  const found = structs?.[indexOf(structs, id.clock)];
  return found instanceof Y.Item ? found : undefined;
}

function stateOf(doc: Y.Doc, client: number): number {
  const last = doc.store.clients.get(client)?.at(-1);
  return last ? last.id.clock + last.length : 0;
}

function authorOf(value: unknown): string | undefined {
  const author = (value as { authorId?: unknown } | null)?.authorId;
  return typeof author === "string" ? author : undefined;
}

/**
 * Checks a document update against the role table before it is applied: the annotations of a
 * version are plain values keyed by id, each carrying its author. Anyone may add annotations in
 * their own name; only a role allowed to edit others' annotations may change or delete one
 * written by someone else, and nobody may change whose it is. Returns why it is refused, or null.
 */
export function annotationViolation(doc: Y.Doc, update: Decoded, who: Annotator): string | null {
  const annotations = doc.getMap(ANNOTATIONS_KEY);
  const mine = (author: string | undefined) => author === who.id;

  const landingOfDocItem = (item: Y.Item): Landing => {
    let child: Y.Item = item;
    let nested = false;
    for (;;) {
      const parent = child.parent as Y.AbstractType<unknown> | null;
      if (parent === annotations)
        return nested || child.parentSub === null
          ? { in: "annotations-nested" }
          : { in: "annotations", key: child.parentSub };
      if (!parent?._item) return { in: "elsewhere" };
      child = parent._item;
      nested = true;
    }
  };

  const landingOf = (item: Y.Item, depth = 0): Landing | null => {
    if (depth > 64) return null;
    const parent = item.parent as unknown;
    if (typeof parent === "string") {
      if (parent !== ANNOTATIONS_KEY) return { in: "elsewhere" };
      return item.parentSub === null
        ? { in: "annotations-nested" }
        : { in: "annotations", key: item.parentSub };
    }
    // A nested type's id, or a neighbour whose place this item shares.
    const ref = (parent as ID | null) ?? item.origin ?? item.rightOrigin;
    if (!ref) return null;
    const known = findInDoc(doc, ref);
    const resolved = known
      ? landingOfDocItem(known)
      : (() => {
          const pending = findIn(update.structs, ref);
          return pending instanceof Y.Item ? landingOf(pending, depth + 1) : null;
        })();
    if (!resolved) return null;
    if (parent && resolved.in !== "elsewhere") return { in: "annotations-nested" };
    return resolved;
  };

  // New values: in the author's own name, and only over one's own annotation (or as director).
  for (const struct of update.structs) {
    if (!(struct instanceof Y.Item)) continue;
    if (stateOf(doc, struct.id.client) >= struct.id.clock + struct.length) continue; // already have it
    const landing = landingOf(struct);
    if (!landing) return "an annotation change that refers to unknown content";
    if (landing.in === "elsewhere") continue;
    if (landing.in === "annotations-nested") return "annotations must be plain values";
    const content = struct.content;
    const values = content instanceof Y.ContentAny ? content.getContent() : null;
    const value = values?.length === 1 ? values[0] : undefined;
    if (!value || typeof value !== "object" || Array.isArray(value))
      return "annotations must be plain values";
    const current = authorOf(annotations.get(landing.key));
    const author = authorOf(value);
    if (current === undefined) {
      if (!mine(author)) return "new annotations must be in your own name";
      continue;
    }
    if (author !== current) return "an annotation's author cannot be changed";
    if (!mine(current) && !who.mayEditOthers)
      return "only the director may edit or delete others' annotations";
  }
  // Deletions: removing an annotation that is someone else's.
  for (const [client, ranges] of update.ds.clients) {
    const structs = doc.store.clients.get(client);
    if (!structs) continue;
    for (const { clock, len } of ranges) {
      const from = indexOf(structs, Math.max(clock, structs[0]?.id.clock ?? 0));
      if (from < 0) continue;
      for (let i = from; i < structs.length && structs[i]!.id.clock < clock + len; i++) {
        const struct = structs[i]!;
        if (!(struct instanceof Y.Item) || struct.deleted) continue;
        const landing = landingOfDocItem(struct);
        if (landing.in !== "annotations") continue;
        if (!mine(authorOf(struct.content.getContent()[0])) && !who.mayEditOthers)
          return "only the director may edit or delete others' annotations";
      }
    }
  }

  return null;
}
