"use client";

import { useEffect, useState } from "react";
import { IndexeddbPersistence } from "y-indexeddb";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { decodeAccess, type LiveAccess, MESSAGE_ACCESS } from "~/shared/live-protocol";

export type LiveStatus =
  | { state: "connecting" }
  | { state: "live" }
  | { state: "offline" }
  | { state: "ended"; message: string };

export type LiveDoc = { doc: Y.Doc; provider: WebsocketProvider };

const ACCESS_ENDED = 4403;
/** The server dropped writes of ours while read-only: our copy diverged, so start from a fresh one. */
const STALE_COPY = 4409;
const MESSAGE_TOO_BIG = 1009;
// 4413: the document reached its size cap (LIVE_DOC_MAX_BYTES).
const FATAL_CODES = new Set([MESSAGE_TOO_BIG, 4400, 4403, 4413, 4429]);

/**
 * y-websocket re-sends every awareness change it hears, including other clients' states it
 * just received, so each presence update would come back from every peer. Send only our own.
 */
function sendOnlyOwnPresence(provider: WebsocketProvider): void {
  const { awareness } = provider;
  const original = (provider as unknown as { _awarenessUpdateHandler: (...args: unknown[]) => void })
    ._awarenessUpdateHandler;
  awareness.off("update", original);
  const own = (changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    const mine = (list: number[]) => list.filter((id) => id === awareness.clientID);
    const filtered = {
      added: mine(changes.added),
      updated: mine(changes.updated),
      removed: mine(changes.removed),
    };
    if (filtered.added.length + filtered.updated.length + filtered.removed.length > 0)
      original(filtered, origin);
  };
  (provider as unknown as { _awarenessUpdateHandler: typeof own })._awarenessUpdateHandler = own;
  awareness.on("update", own);
}

/**
 * Applying the browser's cached copy fires one document update that nobody needs: IndexedDB
 * already holds it and the provider, not connected yet, has nowhere to send it (the sync on
 * connect covers it). Yjs encodes an update only while someone listens for it, and for a version
 * with 10,000 annotations that is MBs and ~100 ms of a busy main thread, so both listeners step
 * aside while the copy is applied. Connected, nothing changes: the provider sends it on.
 */
function applyCacheQuietly(doc: Y.Doc, cache: IndexeddbPersistence, provider: WebsocketProvider): void {
  const listeners = [cache._storeUpdate, provider._updateHandler];
  let detached = false;
  const before = (transaction: Y.Transaction) => {
    if (transaction.origin !== cache || provider.wsconnected) return;
    for (const listener of listeners) doc.off("update", listener);
    detached = true;
  };
  const after = () => {
    if (!detached) return;
    detached = false;
    for (const listener of listeners) doc.on("update", listener);
  };
  doc.on("beforeTransaction", before);
  doc.on("afterAllTransactions", after);
}

/**
 * One Yjs document over the app's websocket. Reconnects by itself; stops for good when the
 * server says access ended, and asks `explainRefusal` why when the upgrade keeps failing.
 * With `cacheKey` (the signed-in user) the document is also kept in the browser (IndexedDB,
 * one database per user and document): edits made while offline survive a reload and merge
 * when the connection returns. The browser's offline/online events pause and resume syncing.
 */
export function useLiveDoc(
  name: string | null,
  explainRefusal: () => Promise<string | null>,
  cacheKey?: string,
) {
  const [live, setLive] = useState<LiveDoc | null>(null);
  const [status, setStatus] = useState<LiveStatus>({ state: "connecting" });
  /** What the server says this connection may do now (a lock while connected turns it read-only). */
  const [access, setAccess] = useState<LiveAccess | null>(null);
  /** The document holds what this browser can know of it: the cached copy or the server's. */
  const [loaded, setLoaded] = useState(false);
  const [generation, setGeneration] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new generation means a fresh Y.Doc
  useEffect(() => {
    if (!name) return;
    const doc = new Y.Doc();
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const cache = cacheKey ? new IndexeddbPersistence(`shotboard:${cacheKey}:${name}`, doc) : null;
    // With a cached copy, connect once it is loaded: the server then sends only what the
    // browser lacks instead of the whole document (a version with 10,000 annotations is MBs).
    const provider = new WebsocketProvider(`${scheme}://${window.location.host}/yjs`, name, doc, {
      disableBc: true,
      maxBackoffTime: 4000,
      connect: !cache,
    });
    sendOnlyOwnPresence(provider);
    if (cache) {
      applyCacheQuietly(doc, cache, provider);
      const connect = () => {
        if (!ended && !provider.wsconnected && !provider.wsconnecting && navigator.onLine !== false)
          provider.connect();
      };
      // A broken or slow IndexedDB must not keep the board offline.
      const fallback = window.setTimeout(connect, 1500);
      void cache.whenSynced.then(
        () => {
          window.clearTimeout(fallback);
          // An empty copy is only a first visit: wait for the server.
          if (!ended && doc.store.clients.size > 0) setLoaded(true);
          connect();
        },
        () => connect(),
      );
    }
    /** The browser's copy holds changes the server will not take (or may no longer be ours to keep). */
    const dropCache = () => {
      void cache?.clearData();
    };
    const onOffline = () => {
      if (ended) return;
      provider.disconnect();
      setStatus(everConnected ? { state: "offline" } : { state: "connecting" });
    };
    const onOnline = () => {
      if (!ended) provider.connect();
    };
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    provider.messageHandlers[MESSAGE_ACCESS] = (_encoder, decoder) => {
      const next = decodeAccess(decoder);
      if (next) setAccess(next);
    };
    let everConnected = false;
    let failures = 0;
    let ended = false;
    const end = (message: string) => {
      ended = true;
      dropCache();
      provider.disconnect();
      setStatus({ state: "ended", message });
    };
    provider.on("sync", (synced: boolean) => {
      if (synced && !ended) setLoaded(true);
    });
    provider.on("status", ({ status: s }) => {
      if (ended) return;
      if (s === "connected") {
        everConnected = true;
        failures = 0;
        setStatus({ state: "live" });
      } else setStatus(everConnected ? { state: "offline" } : { state: "connecting" });
    });
    provider.on("connection-close", (event) => {
      if (ended) return;
      if (event?.code === STALE_COPY) {
        ended = true;
        dropCache();
        provider.disconnect();
        setGeneration((g) => g + 1);
        return;
      }
      if (event && FATAL_CODES.has(event.code)) {
        return end(
          event.code === ACCESS_ENDED
            ? "Your access to this show has ended, so live review stopped. Ask a producer if this is a mistake."
            : `The live connection was closed: ${event.reason || "refused"}. Reload the page to continue.`,
        );
      }
      failures++;
      if (failures >= 2) {
        void explainRefusal().then((message) => {
          if (message && !ended) end(message);
        });
      }
    });
    setLive({ doc, provider });
    return () => {
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      void cache?.destroy();
      provider.destroy();
      doc.destroy();
      setLive(null);
      setStatus({ state: "connecting" });
      setAccess(null);
      setLoaded(false);
    };
  }, [name, explainRefusal, generation, cacheKey]);

  return { live, status, access, loaded };
}
