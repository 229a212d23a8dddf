/**
 * "Who may do what in this show just changed" (membership added, role or expiry changed,
 * member removed, show locked or unlocked). The live layer listens and re-checks that show's
 * open connections at once instead of waiting for its periodic sweep. Route handlers bundled by
 * Next and server.ts load separate copies of this module, so the listeners live on globalThis.
 * Other nodes of a multi-node deployment pick the change up with their own sweep.
 */
type Listener = (showId: string) => void;

const globalForEvents = globalThis as unknown as { __shotboardAccessListeners?: Set<Listener> };

function listeners(): Set<Listener> {
  globalForEvents.__shotboardAccessListeners ??= new Set();
  return globalForEvents.__shotboardAccessListeners;
}

/** Call after the transaction that changed access has committed. */
export function showAccessChanged(showId: string): void {
  for (const listener of listeners()) {
    try {
      listener(showId);
    } catch (error) {
      console.error("[access] listener failed", error);
    }
  }
}

/** Returns the function that stops listening. */
export function onShowAccessChanged(listener: Listener): () => void {
  listeners().add(listener);
  return () => listeners().delete(listener);
}

type UserListener = (userId: string) => void;

const globalForUsers = globalThis as unknown as { __shotboardSessionListeners?: Set<UserListener> };

function userListeners(): Set<UserListener> {
  globalForUsers.__shotboardSessionListeners ??= new Set();
  return globalForUsers.__shotboardSessionListeners;
}

/** Every session of `userId` just ended (signed out everywhere, disabled): live connections close at once. */
export function userSessionsEnded(userId: string): void {
  for (const listener of userListeners()) {
    try {
      listener(userId);
    } catch (error) {
      console.error("[access] session listener failed", error);
    }
  }
}

/** Returns the function that stops listening. */
export function onUserSessionsEnded(listener: UserListener): () => void {
  userListeners().add(listener);
  return () => userListeners().delete(listener);
}
