import * as Y from "yjs";

export type Decoded = ReturnType<typeof Y.decodeUpdate>;
export type Struct = Decoded["structs"][number];
type ID = { client: number; clock: number };

/**
 * Where an item lands: as the value of `key` in the top-level map `map`, nested somewhere
 * below a top-level type, or in the top-level type `map` without a key (a list insert).
 */
export type Landing =
  | { in: "map"; map: string; key: string }
  | { in: "nested"; map: string }
  | { in: "list"; map: string };

/** The index of the struct holding `clock` in one client's list, or -1. */
export function indexOf(structs: Struct[] | undefined, clock: number): number {
  if (!structs || structs.length === 0) return -1;
  const last = structs[structs.length - 1]!;
  if (clock < structs[0]!.id.clock || clock >= last.id.clock + last.length) return -1;
  return Y.findIndexSS(structs as never, clock);
}

export function findInDoc(doc: Y.Doc, id: ID): Y.Item | undefined {
  const structs = doc.store.clients.get(id.client);
  const found = structs?.[indexOf(structs, id.clock)];
  return found instanceof Y.Item ? found : undefined;
}

/** The next clock the document expects from `client`: everything below it is held. */
export function stateOf(doc: Y.Doc, client: number): number {
  const last = doc.store.clients.get(client)?.at(-1);
  return last ? last.id.clock + last.length : 0;
}

function findIn(structs: Struct[], id: ID): Struct | undefined {
  return structs.find(
    (s) => s.id.client === id.client && s.id.clock <= id.clock && id.clock < s.id.clock + s.length,
  );
}

/** Where an item the document holds sits. */
export function landingOfDocItem(item: Y.Item): Landing {
  let child: Y.Item = item;
  let nested = false;
  for (;;) {
    const parent = child.parent as Y.AbstractType<unknown>;
    if (!parent._item) {
      const map = Y.findRootTypeKey(parent);
      if (nested) return { in: "nested", map };
      return child.parentSub === null ? { in: "list", map } : { in: "map", map, key: child.parentSub };
    }
    child = parent._item;
    nested = true;
  }
}

/**
 * Where a new item of `update` lands, resolved through the document and the update's own
 * items; null when it refers to content neither holds (Yjs would keep it pending).
 */
export function landingOf(doc: Y.Doc, update: Decoded, item: Y.Item, depth = 0): Landing | null {
  if (depth > 64) return null;
  const parent = item.parent as unknown;
  if (typeof parent === "string")
    return item.parentSub === null
      ? { in: "list", map: parent }
      : { in: "map", map: parent, key: item.parentSub };
  // A nested type's id, or a neighbour whose place this item shares.
  const ref = (parent as ID | null) ?? item.origin ?? item.rightOrigin;
  if (!ref) return null;
  const known = findInDoc(doc, ref);
  let resolved: Landing | null;
  if (known) resolved = landingOfDocItem(known);
  else {
    const pending = findIn(update.structs, ref);
    resolved = pending instanceof Y.Item ? landingOf(doc, update, pending, depth + 1) : null;
  }
  if (!resolved) return null;
  if (parent) return { in: "nested", map: resolved.map };
  return resolved;
}
