/**
 * "Store what the live layer has accepted for this show, now": a sign-off binds its notes hash
 * to what is stored, and the live layer relays a stroke as soon as its journal holds it, a
 * moment before the database does. The realtime server of this process registers here (on
 * globalThis: route handlers bundled by Next and server.ts load separate copies of this
 * module); a sign-off or an export waits for it first. Rooms open on other nodes of a
 * multi-node deployment are not waited for: there the window is one database round trip.
 */
type Storer = (showId: string) => Promise<void>;

const globalForStorers = globalThis as unknown as { __shotboardLiveStorers?: Set<Storer> };

function storers(): Set<Storer> {
  globalForStorers.__shotboardLiveStorers ??= new Set();
  return globalForStorers.__shotboardLiveStorers;
}

/** Returns the function that stops listening. */
export function onStoreLiveChanges(storer: Storer): () => void {
  storers().add(storer);
  return () => storers().delete(storer);
}

/**
 * Resolves once every live change this process accepted for the show so far is in the
 * database, or after `timeoutMs` (the database is struggling: the caller's own query will say so).
 */
export async function liveChangesStored(showId: string, timeoutMs = 5000): Promise<void> {
  const all = [...storers()].map((s) => s(showId).catch(() => undefined));
  if (all.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(all),
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
