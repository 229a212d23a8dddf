import * as Y from "yjs";
import {
  type Decoded,
  indexOf,
  type Landing,
  landingOfDocItem,
  stateOf,
} from "~/server/realtime/guard/landing";

/**
 * The next clock of each client once `update` is applied: what the document holds plus the
 * update's own structs that continue it without a gap.
 */
export function heldAfter(doc: Y.Doc, update: Decoded): Map<number, number> {
  const held = new Map<number, number>();
  const byClient = new Map<number, Decoded["structs"]>();
  for (const s of update.structs) {
    if (s instanceof Y.Skip) continue;
    const list = byClient.get(s.id.client) ?? [];
    list.push(s);
    byClient.set(s.id.client, list);
  }
  for (const [client, structs] of byClient) {
    let next = stateOf(doc, client);
    for (const s of structs.sort((a, b) => a.id.clock - b.id.clock))
      if (s.id.clock <= next) next = Math.max(next, s.id.clock + s.length);
    held.set(client, next);
  }
  return held;
}

/**
 * Checks the delete set of `update`. Yjs keeps a range it cannot apply yet and applies it to
 * items that arrive later, so a range past what the server holds for a client (counting the
 * update's own items) would erase what that client writes next: refused. Deleting an item the
 * document holds needs `mayDelete` to allow it.
 */
export function deletionProblem(
  doc: Y.Doc,
  update: Decoded,
  held: Map<number, number>,
  mayDelete: (item: Y.Item, landing: Landing) => string | null,
): string | null {
  for (const [client, ranges] of update.ds.clients) {
    const end = held.get(client) ?? stateOf(doc, client);
    const structs = doc.store.clients.get(client);
    for (const { clock, len } of ranges) {
      if (clock + len > end) return "a deletion of content the server does not hold";
      if (!structs) continue;
      const from = indexOf(structs, Math.max(clock, structs[0]?.id.clock ?? 0));
      if (from < 0) continue;
      for (let i = from; i < structs.length && structs[i]!.id.clock < clock + len; i++) {
        const struct = structs[i]!;
        if (!(struct instanceof Y.Item) || struct.deleted) continue;
        const refused = mayDelete(struct, landingOfDocItem(struct));
        if (refused) return refused;
      }
    }
  }
  return null;
}
