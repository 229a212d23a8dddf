import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import WebSocket from "ws";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";

/**
 * A y-websocket protocol client for tests and benchmarks: a real Y.Doc and awareness, no
 * browser, no BroadcastChannel. Sends only its own presence.
 */
export type YClient = {
  ws: WebSocket;
  doc: Y.Doc;
  awareness: awarenessProtocol.Awareness;
  /** Resolves once the server's document has been received (sync step 2). */
  synced: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  close: () => void;
};

export function connectYClient(
  url: string,
  headers: Record<string, string>,
  doc = new Y.Doc(),
): Promise<YClient> {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  ws.binaryType = "nodebuffer";
  const awareness = new awarenessProtocol.Awareness(doc);
  const send = (data: Uint8Array) => ws.readyState === ws.OPEN && ws.send(data);
  let markSynced!: () => void;
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => {
      // Stops the awareness's own timer, which would keep the process alive (bench:soak never exited).
      awareness.destroy();
      resolve({ code, reason: reason.toString() });
    }),
  );
  doc.on("update", (update: Uint8Array, origin: unknown) => {
    if (origin === ws) return;
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    syncProtocol.writeUpdate(e, update);
    send(encoding.toUint8Array(e));
  });
  awareness.on("update", ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
    if (origin === ws) return;
    const mine = [...added!, ...updated!, ...removed!].filter((id) => id === doc.clientID);
    if (mine.length === 0) return;
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, mine));
    send(encoding.toUint8Array(e));
  });
  ws.on("message", (data: Buffer) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(decoder);
    if (type === 0) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      const syncType = syncProtocol.readSyncMessage(decoder, e, doc, ws);
      if (syncType === syncProtocol.messageYjsSyncStep2) markSynced();
      if (encoding.length(e) > 1) send(encoding.toUint8Array(e));
    } else if (type === 1) {
      awarenessProtocol.applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), ws);
    }
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeSyncStep1(e, doc);
      send(encoding.toUint8Array(e));
      resolve({ ws, doc, awareness, synced, closed, close: () => ws.close() });
    });
    ws.once("unexpected-response", (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
    // A connection error before "open" refuses the client; after it (a node killed under the
    // client, say) it only ends in "close", which `closed` reports.
    ws.on("error", reject);
  });
}

/** Resolves when `predicate` holds for the doc, checking on every update; rejects after `ms`. */
export function until(doc: Y.Doc, predicate: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      doc.off("update", check);
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const check = () => {
      if (!predicate()) return;
      clearTimeout(timer);
      doc.off("update", check);
      resolve();
    };
    doc.on("update", check);
  });
}
