/**
 * A live node SIGKILLed while three people draw, then started again on the same port. Every
 * stroke any client had received from another one is in the node's journal when it dies (the
 * node writes it there before it relays), and in PostgreSQL once the node is back, before any
 * client has reconnected: the restart stores what the journal holds. Then the clients —
 * y-websocket's own provider, as in the browser — reconnect and merge what they drew meanwhile.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { postgresDocStore } from "~/server/realtime/persistence";
import { MESSAGE_ACCESS } from "~/shared/live-protocol";
import { testStroke } from "~/testing/annotation";
import { seededLiveNode } from "~/testing/live-node-fixture";
import { recordResult } from "~/testing/reliability-results";
import type { SoakUser } from "~/testing/soak";
import { soakTargets } from "~/testing/soak-setup";

const SECRET = "kill-test-secret-kill-test-secret-0123456789";
const ORIGIN = "http://localhost:3000";

const live = seededLiveNode({ secret: SECRET, origin: ORIGIN });

type Drawer = {
  user: SoakUser;
  doc: Y.Doc;
  provider: WebsocketProvider;
  drawn: string[];
  timer?: NodeJS.Timeout;
};

function drawer(baseUrl: string, docName: string, user: SoakUser): Drawer {
  const headers = { origin: ORIGIN, cookie: user.cookie };
  class WithSession extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(baseUrl, docName, doc, {
    WebSocketPolyfill: WithSession as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 500,
  });
  // The server's "what you may do" message: the board reads it; here it is only acknowledged.
  provider.messageHandlers[MESSAGE_ACCESS] = () => {};
  return { user, doc, provider, drawn: [] };
}

function draw(d: Drawer, tag: string): void {
  const key = `${tag}-${d.doc.clientID}-${d.drawn.length}`;
  d.doc.getMap("annotations").set(key, testStroke(key, d.user, { points: [0.1, 0.2] }));
  d.drawn.push(key);
}

function until(what: string, check: () => boolean, docs: Y.Doc[], ms = 30_000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      for (const doc of docs) doc.off("update", onUpdate);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const onUpdate = () => {
      if (!check()) return;
      clearTimeout(timer);
      for (const doc of docs) doc.off("update", onUpdate);
      resolve();
    };
    for (const doc of docs) doc.on("update", onUpdate);
  });
}

const synced = (d: Drawer) =>
  new Promise<void>((resolve) => {
    if (d.provider.synced) return resolve();
    d.provider.once("sync", (s: boolean) => s && resolve());
  });

describe("SIGKILL of a live node while three clients draw", () => {
  it("loses nothing another client received; clients reconnect and merge what they drew meanwhile", async () => {
    const { users, docs } = await soakTargets(live.t, SECRET);
    const docName = docs[0]!;
    const baseUrl = `ws://127.0.0.1:${live.node.port}/yjs`;
    const drawers = users.slice(0, 3).map((u) => drawer(baseUrl, docName, u));
    await Promise.all(drawers.map(synced));

    // Everyone draws continuously; kill once each has seen plenty of the others' strokes.
    for (const d of drawers) d.timer = setInterval(() => draw(d, "live"), 15);
    const seenFromOthers = (d: Drawer) =>
      [...d.doc.getMap("annotations").keys()].filter((k) => !k.includes(`-${d.doc.clientID}-`));
    await until(
      "each client to receive 40 strokes from the others",
      () => drawers.every((d) => seenFromOthers(d).length >= 40),
      drawers.map((d) => d.doc),
    );
    const killed = live.node.child.pid!;
    await live.node.kill("SIGKILL");
    for (const d of drawers) {
      clearInterval(d.timer);
      // Kept offline until the database has been checked: what they would re-send must not count.
      d.provider.disconnect();
    }
    const received = new Set(drawers.flatMap(seenFromOthers));
    const leftBehind = () => readdirSync(live.journalDir).filter((f) => f.startsWith(`${killed}-`));
    expect(leftBehind().length, "the killed node's journal").toBeGreaterThan(0);

    // Drawing goes on offline; then the node comes back on the same port.
    for (const d of drawers) for (let i = 0; i < 5; i++) draw(d, "offline");
    await live.restart(live.node.port);

    // What PostgreSQL holds now, before any client is back: the journal was stored on start.
    const stored = await postgresDocStore(live.t.db.db).load(live.t.seed.shows.moonfall!.id, docName);
    const persisted = new Y.Doc();
    if (stored.update) Y.applyUpdate(persisted, stored.update);
    const persistedKeys = new Set(persisted.getMap("annotations").keys());
    const lost = [...received].filter((k) => !persistedKeys.has(k));
    expect(lost, "strokes a client had received but the database did not hold").toEqual([]);
    expect(leftBehind(), "the killed node's journal, once stored").toEqual([]);

    for (const d of drawers) d.provider.connect();
    const everything = drawers.flatMap((d) => d.drawn);
    await until(
      "every client to hold every stroke (reconnected and merged)",
      () => drawers.every((d) => everything.every((k) => d.doc.getMap("annotations").has(k))),
      drawers.map((d) => d.doc),
      60_000,
    );
    for (const d of drawers) d.provider.destroy();

    // And the restarted node stored the offline strokes too (a clean stop stores all it accepted).
    await live.node.kill("SIGTERM");
    const after = await postgresDocStore(live.t.db.db).load(live.t.seed.shows.moonfall!.id, docName);
    const afterDoc = new Y.Doc();
    Y.applyUpdate(afterDoc, after.update!);
    const missing = everything.filter((k) => !afterDoc.getMap("annotations").has(k));
    expect(missing).toEqual([]);
    recordResult({ kind: "fault", name: "SIGKILL live node, restart same port", injected: 1, recovered: 1 });
    recordResult({
      kind: "edits",
      name: "strokes across a SIGKILL (3 clients)",
      sent: everything.length,
      persisted: everything.length - missing.length,
    });
    recordResult({
      kind: "edits",
      name: "relayed before the kill, in the database after it",
      sent: received.size,
      persisted: received.size - lost.length,
    });
  });
});
