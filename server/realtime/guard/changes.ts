import type * as Y from "yjs";
import { type Decoded, indexOf, stateOf } from "~/server/realtime/guard/landing";

/** Whether applying `update` would change the document: new items, or deletions of live ones. */
export function changesSomething(doc: Y.Doc, update: Decoded): boolean {
  for (const struct of update.structs)
    if (stateOf(doc, struct.id.client) < struct.id.clock + struct.length) return true;
  for (const [client, ranges] of update.ds.clients) {
    const structs = doc.store.clients.get(client);
    for (const { clock, len } of ranges) {
      if (clock + len > stateOf(doc, client)) return true;
      const from = indexOf(structs, clock);
      if (from < 0 || !structs) continue;
      for (let i = from; i < structs.length && structs[i]!.id.clock < clock + len; i++)
        if (!structs[i]!.deleted) return true;
    }
  }
  return false;
}
