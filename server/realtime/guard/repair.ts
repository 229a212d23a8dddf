import type * as Y from "yjs";

/**
 * Cleans a document loaded from the store of what the guard now refuses at the socket:
 * deletions of content that was never written (Yjs keeps them pending and erases what their
 * client writes next) and items waiting for content that never arrived. Returns whether
 * anything was removed, so the caller can store the repaired document.
 */
export function repairLoaded(doc: Y.Doc): boolean {
  const { store } = doc;
  if (!store.pendingDs && !store.pendingStructs) return false;
  store.pendingDs = null;
  store.pendingStructs = null;
  return true;
}
