import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ClientOptions, WebSocket } from "ws";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { memberships, type ShowRole, shows, users, yjsUpdates } from "~/db/schema";
import { env } from "~/server/env";
import { openJournal } from "~/server/realtime/journal";
import { postgresDocStore } from "~/server/realtime/persistence";
import { CLOSE, createRealtime, type Realtime } from "~/server/realtime/server";
import { docName } from "~/shared/doc-name";
import {
  encodeAwareness,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  message,
} from "~/shared/live-protocol";
import { demoAuthor, testComment, testStroke } from "~/testing/annotation";
import { type Seeded, seededDatabase } from "~/testing/db";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "realtime-test-secret-0123456789abcdefghijklmnop";
});

let t: Seeded;
let server: http.Server;
let realtime: Realtime;
let port: number;
let origin: string;
let moonfall: Seeded["seed"]["shows"][string];
let tidewater: Seeded["seed"]["shows"][string];
const opened = new Set<{ close: () => void }>();
let journalDir: string;

/** As `npm start` runs it: with a journal, so batches are relayed once written there. */
function startRealtime(): Realtime {
  return createRealtime({
    journal: openJournal(journalDir),
    db: t.db.db,
    appOrigin: () => origin,
    maxMessageBytes: env().WS_MAX_MESSAGE_BYTES,
    maxMessagesPerSecond: env().WS_MAX_MESSAGES_PER_SECOND,
    sweepIntervalMs: 200,
    log: () => {},
  });
}

beforeAll(async () => {
  journalDir = mkdtempSync(path.join(tmpdir(), "shotboard-journal-"));
  t = await seededDatabase();
  moonfall = t.seed.shows.moonfall!;
  tidewater = t.seed.shows.tidewater!;
  server = http.createServer((_req, res) => res.writeHead(404).end());
  // Wired like server.ts: only /yjs/ upgrades reach the realtime layer.
  server.on("upgrade", (req, socket, head) => {
    if ((req.url ?? "").startsWith("/yjs/")) void realtime.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://localhost:${port}`;
  realtime = startRealtime();
});

afterAll(async () => {
  for (const c of opened) c.close();
  await realtime?.close();
  await new Promise((resolve) => server?.close(resolve));
  server?.closeAllConnections();
  await t?.dispose();
  rmSync(journalDir, { recursive: true, force: true });
});

/** Rejects with `what` after `seconds`: every wait in this file is for an event, never a sleep. */
function within<T>(promise: Promise<T>, what: string, seconds = 5): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${seconds}s waiting for ${what}`)),
      seconds * 1000,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function cookieFor(key: string, overrides: { sv?: number; secret?: string } = {}): Promise<string> {
  const uid = t.seed.users[key]!;
  const [user] = await t.db.db.select({ sv: users.sessionVersion }).from(users).where(eq(users.id, uid));
  const token = await encode({
    token: { uid, sv: overrides.sv ?? user!.sv, name: key },
    secret: overrides.secret ?? env().authSecret,
  });
  return `theme=dark; next-auth.session-token=${token}`;
}

function urlOf(doc: string): string {
  return `ws://127.0.0.1:${port}/yjs/${doc}`;
}

const versionDoc = (show: { id: string; versionIds: string[] }, i: number) =>
  docName("version", show.id, show.versionIds[i]!);

/** A demo user as an annotation's author: their id and the name the server records. */
const author = (key: string) => demoAuthor(key, t.seed.users);
/** A comment by `key` saying `text`, stored under `id`: a write the server takes into a version document. */
const note = (key: string, id: string, text: string) => testComment(id, author(key), text);
/** The text of the annotation stored under `id`, if any. */
const textOf = (map: Y.Map<unknown>, id: string) => (map.get(id) as { text?: unknown } | undefined)?.text;

type Refusal = { status: number; body: string };

/** Attempts an upgrade that must be refused; resolves with the HTTP status and body. */
function refusal(url: string, headers: Record<string, string>): Promise<Refusal> {
  return within(
    new Promise<Refusal>((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.on("error", () => {});
      ws.on("open", () => {
        ws.terminate();
        reject(new Error("the upgrade was accepted"));
      });
      ws.on("unexpected-response", (_req, res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
    }),
    `refusal of ${url}`,
  );
}

/**
 * A minimal y-websocket client over `ws`, so tests can send exact bytes and see close codes.
 * It speaks the same protocol as y-websocket's provider but never reconnects.
 */
class RawClient {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly ws: WebSocket;
  readonly open: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private step2Waiters: (() => void)[] = [];

  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(url, { headers });
    this.open = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("unexpected-response", (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
      this.ws.once("error", reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.ws.on("error", () => {});
    this.ws.on("open", () =>
      this.send(message(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, this.doc))),
    );
    this.ws.on("message", (data) => this.receive(new Uint8Array(data as Buffer)));
    this.doc.on("update", (update: Uint8Array, from: unknown) => {
      if (from !== this) this.send(message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update)));
    });
    this.awareness.on("update", ({ added, updated, removed }: AwarenessChanges, from: unknown) => {
      if (from !== "local") return;
      const payload = awarenessProtocol.encodeAwarenessUpdate(this.awareness, added.concat(updated, removed));
      this.send(message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, payload)));
    });
    opened.add(this);
  }

  /** The version document's annotations: the one part of it a client may write. */
  get map(): Y.Map<unknown> {
    return this.doc.getMap("annotations");
  }

  send(bytes: Uint8Array | string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes);
  }

  private receive(bytes: Uint8Array): void {
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const reply = encoding.createEncoder();
      encoding.writeVarUint(reply, MESSAGE_SYNC);
      const syncType = syncProtocol.readSyncMessage(decoder, reply, this.doc, this);
      if (encoding.length(reply) > 1) this.send(encoding.toUint8Array(reply));
      if (syncType === syncProtocol.messageYjsSyncStep2) this.step2Waiters.shift()?.();
    } else if (type === MESSAGE_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
    }
  }

  /**
   * Asks the server for everything it has (sync step 1) and waits for the answer. The server
   * handles a connection's messages in order, so the answer reflects every message sent before.
   */
  roundTrip(): Promise<void> {
    const answered = new Promise<void>((resolve) => this.step2Waiters.push(resolve));
    this.send(message(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, this.doc)));
    return within(answered, "a sync round trip");
  }

  /** Resolves once `check` holds for the document, re-checking on every update. */
  until(check: (map: Y.Map<unknown>) => boolean, what: string): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        if (check(this.map)) return resolve();
        const onUpdate = () => {
          if (!check(this.map)) return;
          this.doc.off("update", onUpdate);
          resolve();
        };
        this.doc.on("update", onUpdate);
      }),
      what,
    );
  }

  /** Resolves with the awareness state of `clientId` once `check` holds for it. */
  presenceOf(
    clientId: number,
    check: (state: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    return within(
      new Promise((resolve) => {
        const look = () => {
          const state = this.awareness.getStates().get(clientId);
          if (!state || !check(state)) return;
          this.awareness.off("change", look);
          resolve(state);
        };
        this.awareness.on("change", look);
        look();
      }),
      `presence of client ${clientId}`,
    );
  }

  close(): void {
    opened.delete(this);
    this.ws.terminate();
    this.awareness.destroy();
    this.doc.destroy();
  }
}

type AwarenessChanges = { added: number[]; updated: number[]; removed: number[] };

async function connect(key: string, doc: string): Promise<RawClient> {
  const client = new RawClient(urlOf(doc), { origin, cookie: await cookieFor(key) });
  await within(client.open, `${key} connecting to ${doc}`);
  await client.roundTrip();
  return client;
}

/**
 * y-websocket's own provider, as the browser uses it; resolves once it says it is synced.
 * `atSync` sees the document at that very moment (before any later message is applied).
 */
async function providerFor(key: string, doc: string, atSync?: (ydoc: Y.Doc) => void) {
  const headers = { origin, cookie: await cookieFor(key) };
  class HeaderedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers } satisfies ClientOptions);
    }
  }
  const ydoc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/yjs`, doc, ydoc, {
    WebSocketPolyfill: HeaderedWebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  const synced = new Promise<void>((resolve) =>
    provider.once("sync", (s: boolean) => {
      atSync?.(ydoc);
      if (s) resolve();
    }),
  );
  await within(synced, `${key}'s provider to sync`);
  return { ydoc, provider };
}

/** What PostgreSQL holds, once the open room has stored what it accepted (relayed from the journal). */
async function persisted(showId: string, doc: string): Promise<Y.Map<unknown>> {
  await realtime.rooms.get(doc)?.flush();
  const { update } = await postgresDocStore(t.db.db).load(showId, doc);
  const ydoc = new Y.Doc();
  if (update) Y.applyUpdate(ydoc, update);
  return ydoc.getMap("annotations");
}

async function setShowState(showId: string, state: "active" | "locked") {
  await t.db.db.update(shows).set({ state }).where(eq(shows.id, showId));
}

describe("the upgrade is authorized before the websocket exists", () => {
  it("no session cookie: 401", async () => {
    expect(await refusal(urlOf(versionDoc(moonfall, 0)), { origin })).toEqual({
      status: 401,
      body: "Sign in first\n",
    });
  });

  it("a cookie signed with another secret, or for an ended session version: 401", async () => {
    const forged = await cookieFor("dana", { secret: "some-other-secret-that-is-long-enough-0123456789" });
    expect((await refusal(urlOf(versionDoc(moonfall, 0)), { origin, cookie: forged })).status).toBe(401);
    const stale = await cookieFor("dana", { sv: 999 });
    expect((await refusal(urlOf(versionDoc(moonfall, 0)), { origin, cookie: stale })).status).toBe(401);
    expect(
      (await refusal(urlOf(versionDoc(moonfall, 0)), { origin, cookie: "next-auth.session-token=junk" }))
        .status,
    ).toBe(401);
  });

  it("a foreign or missing Origin: 403, even with a valid session", async () => {
    const cookie = await cookieFor("dana");
    const doc = urlOf(versionDoc(moonfall, 0));
    expect(await refusal(doc, { origin: "https://evil.example", cookie })).toEqual({
      status: 403,
      body: "Origin not allowed\n",
    });
    expect((await refusal(doc, { origin: `http://localhost:${port + 1}`, cookie })).status).toBe(403);
    expect((await refusal(doc, { cookie })).status).toBe(403);
  });

  it("another show's document answers exactly like a document that does not exist: 404", async () => {
    const cookie = await cookieFor("sam");
    const missing = docName("version", moonfall.id, crypto.randomUUID());
    const cases = [
      versionDoc(tidewater, 0),
      docName("board", tidewater.id, tidewater.boardId),
      // Own show in the name, the other show's document id.
      docName("version", moonfall.id, tidewater.versionIds[0]!),
      docName("board", moonfall.id, tidewater.boardId),
      // A version id used as a board id.
      docName("board", moonfall.id, moonfall.versionIds[0]!),
      docName("version", crypto.randomUUID(), crypto.randomUUID()),
    ];
    const expected = await refusal(urlOf(missing), { origin, cookie });
    expect(expected).toEqual({ status: 404, body: "Document not found\n" });
    for (const doc of cases)
      expect({ doc, ...(await refusal(urlOf(doc), { origin, cookie })) }).toEqual({ doc, ...expected });
    const nomad = await cookieFor("nomad");
    expect(await refusal(urlOf(versionDoc(moonfall, 0)), { origin, cookie: nomad })).toEqual(expected);
    const admin = await cookieFor("admin");
    expect(await refusal(urlOf(versionDoc(moonfall, 0)), { origin, cookie: admin })).toEqual(expected);
  });

  it("a disabled account: 401, and enabled again it may connect", async () => {
    const cookie = await cookieFor("rex");
    const doc = urlOf(versionDoc(moonfall, 0));
    const rexId = t.seed.users.rex!;
    try {
      await t.db.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, rexId));
      expect(await refusal(doc, { origin, cookie })).toEqual({ status: 401, body: "Sign in first\n" });
    } finally {
      await t.db.db.update(users).set({ disabledAt: null }).where(eq(users.id, rexId));
    }
    const rex = await connect("rex", versionDoc(moonfall, 0));
    rex.close();
  });

  it("an expired membership: 404 like any other show's document", async () => {
    const rexId = t.seed.users.rex!;
    const where = and(eq(memberships.showId, moonfall.id), eq(memberships.userId, rexId));
    const [before] = await t.db.db
      .select({ expiresAt: memberships.expiresAt })
      .from(memberships)
      .where(where);
    try {
      await t.db.db.update(memberships).set({ expiresAt: sql`now() - interval '1 minute'` }).where(where);
      expect(
        await refusal(urlOf(versionDoc(moonfall, 0)), { origin, cookie: await cookieFor("rex") }),
      ).toEqual({
        status: 404,
        body: "Document not found\n",
      });
      // A membership that ends in the future still counts.
      await t.db.db.update(memberships).set({ expiresAt: sql`now() + interval '1 hour'` }).where(where);
      const rex = await connect("rex", versionDoc(moonfall, 0));
      rex.close();
    } finally {
      await t.db.db.update(memberships).set({ expiresAt: before!.expiresAt }).where(where);
    }
  });

  it("a garbage document name without a valid session: 401, not 404", async () => {
    const stale = await cookieFor("dana", { sv: 999 });
    for (const headers of [{ origin }, { origin, cookie: stale }] as Record<string, string>[])
      expect((await refusal(urlOf("hello"), headers)).status).toBe(401);
  });

  it("a garbage document name: 404", async () => {
    const cookie = await cookieFor("dana");
    for (const name of [
      "hello",
      `show/${moonfall.id}/version/not-a-uuid`,
      `show/${moonfall.id}/secrets/${moonfall.versionIds[0]}`,
      `show/${moonfall.id}/version/${moonfall.versionIds[0]}/extra`,
      `show/${moonfall.id.toUpperCase()}/version/${moonfall.versionIds[0]}`,
      "%E0%A4%A",
      `..%2F..%2Fshow/${moonfall.id}/version/${moonfall.versionIds[0]}`,
    ]) {
      expect({ name, status: (await refusal(urlOf(name), { origin, cookie })).status }).toEqual({
        name,
        status: 404,
      });
    }
  });
});

describe("live documents", () => {
  it("two members sync a Y.Map entry both ways", async () => {
    const doc = versionDoc(moonfall, 0);
    const dana = await connect("dana", doc);
    const ari = await connect("ari", doc);
    const fromDana = testStroke("from-dana", author("dana"), { points: [0.25, 0.5] });
    dana.map.set("from-dana", fromDana);
    await ari.until((m) => m.has("from-dana"), "ari to see dana's entry");
    expect(ari.map.get("from-dana")).toEqual(fromDana);
    ari.map.set("from-ari", note("ari", "from-ari", "circle"));
    await dana.until((m) => textOf(m, "from-ari") === "circle", "dana to see ari's entry");
    dana.close();
    ari.close();
  });

  it("works with y-websocket's own provider, as the browser uses it", async () => {
    const doc = versionDoc(moonfall, 1);
    const a = await providerFor("dana", doc);
    const b = await providerFor("sam", doc);
    try {
      const seen = new Promise<unknown>((resolve) =>
        b.ydoc.getMap("annotations").observe((event) => {
          if (event.keysChanged.has("pin")) resolve(b.ydoc.getMap("annotations").get("pin"));
        }),
      );
      const pin = note("dana", "pin", "softer rim light");
      a.ydoc.getMap("annotations").set("pin", pin);
      expect(await within(seen, "sam's provider to see dana's pin")).toEqual(pin);
    } finally {
      a.provider.destroy();
      b.provider.destroy();
    }
  });

  it("accepted updates are persisted and survive a realtime restart", async () => {
    const doc = versionDoc(moonfall, 2);
    const writer = await connect("dana", doc);
    const watcher = await connect("sam", doc);
    writer.map.set("survives", note("dana", "survives", "restart"));
    await watcher.until((m) => textOf(m, "survives") === "restart", "the watcher to see the write");

    const closing = Promise.all([writer.closed, watcher.closed]);
    await realtime.close();
    // Shutting down stores everything accepted before it returns (nothing is left to the journal).
    expect(textOf(await persisted(moonfall.id, doc), "survives")).toBe("restart");
    expect(readdirSync(journalDir)).toEqual([]);
    expect((await within(closing, "connections to close on shutdown")).map((c) => c.code)).toEqual([
      CLOSE.shuttingDown,
      CLOSE.shuttingDown,
    ]);
    writer.close();
    watcher.close();
    realtime = startRealtime();

    const fresh = await connect("ari", doc);
    await fresh.until(
      (m) => textOf(m, "survives") === "restart",
      "a new client after restart to load the data",
    );
    fresh.close();
  });

  it("clients that have nothing yet get the whole document as it is after every change", async () => {
    const doc = versionDoc(moonfall, 1);
    const writer = await connect("dana", doc);
    writer.map.set("whole-1", note("dana", "whole-1", "first"));
    await writer.roundTrip();
    const one = await connect("sam", doc);
    expect(textOf(one.map, "whole-1")).toBe("first");
    // The document encoded for sam must not be handed out again once it changed.
    writer.map.set("whole-2", note("dana", "whole-2", "second"));
    writer.map.delete("whole-1");
    await writer.roundTrip();
    const two = await connect("ari", doc);
    expect(two.map.has("whole-1")).toBe(false);
    expect(textOf(two.map, "whole-2")).toBe("second");
    for (const c of [writer, one, two]) c.close();
  });

  it("a big document is not encoded again for each newcomer: the last encoding plus what changed since", async () => {
    const doc = versionDoc(moonfall, 2);
    const writer = await connect("dana", doc);
    writer.map.doc!.transact(() => {
      for (let i = 0; i < 200; i++) writer.map.set(`big-${i}`, note("dana", `big-${i}`, "x".repeat(100)));
    });
    await writer.roundTrip();
    const one = await connect("sam", doc);
    expect(one.map.toJSON()).toEqual(writer.map.toJSON());
    const room = realtime.rooms.get(doc)!;
    const encoded = (room as unknown as { newcomers: { whole: Uint8Array } }).newcomers.whole;
    writer.map.doc!.transact(() => {
      writer.map.set("after-1", note("dana", "after-1", "small change"));
      writer.map.delete("big-0");
    });
    await writer.roundTrip();
    // Complete when the provider says synced: the changes arrive first, and sync step 2 completes them.
    let atSync: unknown;
    const viaProvider = await providerFor("priya", doc, (ydoc) => {
      atSync = ydoc.getMap("annotations").toJSON();
    });
    expect(atSync).toEqual(writer.map.toJSON());
    viaProvider.provider.destroy();
    const two = await connect("ari", doc);
    // The same encoding was handed out, with the changes since: ari has all of it.
    expect((room as unknown as { newcomers: { whole: Uint8Array } }).newcomers.whole).toBe(encoded);
    expect(textOf(two.map, "after-1")).toBe("small change");
    expect(two.map.has("big-0")).toBe(false);
    expect(two.map.toJSON()).toEqual(writer.map.toJSON());
    // Once the changes since are a quarter of its size, it is encoded afresh.
    writer.map.doc!.transact(() => {
      for (let i = 0; i < 80; i++) writer.map.set(`later-${i}`, note("dana", `later-${i}`, "y".repeat(100)));
    });
    await writer.roundTrip();
    const three = await connect("rex", doc);
    expect((room as unknown as { newcomers: { whole: Uint8Array } }).newcomers.whole).not.toBe(encoded);
    expect(three.map.toJSON()).toEqual(writer.map.toJSON());
    for (const c of [writer, one, two, three]) c.close();
  });

  it("a busy document is compacted from the room's copy: fewer rows, the same document", async () => {
    const doc = versionDoc(moonfall, 4);
    // One message per update, each answered before the next: one row each, past the threshold
    // (three writers, so none passes the per-connection message rate). 30 annotations, each
    // rewritten by its own author (only the director may edit others').
    const keys = ["dana", "sam", "ari"];
    const writers = [await connect("dana", doc), await connect("sam", doc), await connect("ari", doc)];
    const writer = writers[0]!;
    for (let i = 0; i < 240; i++) {
      const w = writers[i % 3]!;
      w.map.set(`busy-${i % 30}`, note(keys[i % 3]!, `busy-${i % 30}`, `${i}`));
      await w.roundTrip();
    }
    await writer.until((m) => textOf(m, "busy-29") === "239", "the last write to reach dana");
    await realtime.rooms.get(doc)!.flush();
    const rows = await t.db.db
      .select({ id: yjsUpdates.id })
      .from(yjsUpdates)
      .where(eq(yjsUpdates.docName, doc));
    expect(rows.length).toBeLessThan(100);
    expect((await persisted(moonfall.id, doc)).toJSON()).toEqual(writer.map.toJSON());
    for (const w of writers) w.close();
  });

  it("a reviewer's writes are dropped once the show is locked: nobody sees them, nothing is persisted", async () => {
    const doc = versionDoc(moonfall, 3);
    const dana = await connect("dana", doc);
    const rex = await connect("rex", doc);
    try {
      rex.map.set("before-lock", note("rex", "before-lock", "reviewers may annotate"));
      await dana.until((m) => m.has("before-lock"), "dana to see rex's note before the lock");

      await setShowState(moonfall.id, "locked");
      await realtime.sweep();
      rex.map.set("after-lock", note("rex", "after-lock", "dropped"));
      await rex.roundTrip();

      // A reviewer connecting to the locked show is read-only from the start.
      const late = await connect("rex", doc);
      expect(textOf(late.map, "before-lock")).toBe("reviewers may annotate");
      late.map.set("late-write", note("rex", "late-write", "dropped too"));
      await late.roundTrip();
      late.close();
      // Each round trip is answered after the server handled what that client sent before it,
      // and dana's answer carries everything the server's document holds.
      await dana.roundTrip();
      expect(dana.map.has("after-lock")).toBe(false);
      expect(dana.map.has("late-write")).toBe(false);

      // Unlocked again, a reviewer's new connection writes: the drops came from the lock.
      await setShowState(moonfall.id, "active");
      await realtime.sweep();
      const again = await connect("rex", doc);
      again.map.set("after-unlock", note("rex", "after-unlock", "accepted"));
      await dana.until((m) => m.has("after-unlock"), "dana to see rex's write after unlocking");
      again.close();
      expect(dana.map.has("after-lock")).toBe(false);
      expect(dana.map.has("late-write")).toBe(false);
      const stored = await persisted(moonfall.id, doc);
      expect(textOf(stored, "before-lock")).toBe("reviewers may annotate");
      expect(textOf(stored, "after-unlock")).toBe("accepted");
      expect(stored.has("after-lock")).toBe(false);
      expect(stored.has("late-write")).toBe(false);
    } finally {
      await setShowState(moonfall.id, "active");
      dana.close();
      rex.close();
    }
  });

  it("presence carries the identity the server knows, not the one a client claims", async () => {
    const doc = versionDoc(moonfall, 4);
    const observer = await connect("dana", doc);
    const ari = await connect("ari", doc);
    const sam = await connect("sam", doc);
    try {
      const impostor = { id: t.seed.users.dana, name: "Dana Okafor", role: "director", color: "#000" };
      ari.awareness.setLocalState({ user: impostor, cursor: { x: 0.5, y: 0.5 } });
      const seen = await observer.presenceOf(ari.doc.clientID, (s) => s.cursor !== undefined);
      expect(seen.cursor).toEqual({ x: 0.5, y: 0.5 });
      expect(seen.user).toMatchObject({ id: t.seed.users.ari, name: "Ari Lindqvist", role: "artist" });

      // Sam tries to speak for ari's awareness client id; then sets his own state as a marker.
      const forged = encodeAwareness([
        { clientId: ari.doc.clientID, clock: 1000, state: { user: impostor, cursor: { x: 0.9, y: 0.9 } } },
      ]);
      sam.send(message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, forged)));
      sam.awareness.setLocalState({ cursor: { x: 0.1, y: 0.1 } });
      const samSeen = await observer.presenceOf(sam.doc.clientID, (s) => s.cursor !== undefined);
      expect(samSeen.user).toMatchObject({ id: t.seed.users.sam, name: "Sam Reyes", role: "supervisor" });
      expect(observer.awareness.getStates().get(ari.doc.clientID)).toMatchObject({
        cursor: { x: 0.5, y: 0.5 },
        user: { id: t.seed.users.ari },
      });
    } finally {
      observer.close();
      ari.close();
      sam.close();
    }
  });
});

describe("connections are closed for cause", () => {
  it.each([
    ["an unknown message type", Uint8Array.from([0x7f, 1, 2, 3])],
    ["an overlong varint", Uint8Array.from(new Array(12).fill(0xff))],
    ["a truncated sync message", Uint8Array.from([MESSAGE_SYNC, 2, 50, 1])],
    [
      "a garbage document update",
      message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, Uint8Array.from([9, 9, 9, 9]))),
    ],
    [
      "a malformed awareness update",
      message(MESSAGE_AWARENESS, (e) =>
        encoding.writeVarUint8Array(e, Uint8Array.from([1, 5, 1, 3, 0x7b, 0x7b, 0x7b])),
      ),
    ],
    ["a text frame", "hello"],
  ])("%s closes with 4400, others stay connected", async (_what, bytes) => {
    const doc = versionDoc(moonfall, 5);
    const client = await connect("ari", doc);
    const watcher = await connect("dana", doc);
    client.send(bytes);
    const closed = await within(client.closed, "the close after a garbage message");
    expect(closed.code).toBe(CLOSE.badMessage);
    expect(closed.reason).toMatch(/^Malformed message/);
    // Only the offender is cut off.
    expect(watcher.ws.readyState).toBe(WebSocket.OPEN);
    await watcher.roundTrip();
    client.close();
    watcher.close();
  });

  it("ending a membership closes the open connection with 4403", async () => {
    const doc = docName("board", tidewater.id, tidewater.boardId);
    const priya = await connect("priya", doc);
    const ari = await connect("ari", doc);
    const removed = { showId: tidewater.id, userId: t.seed.users.priya!, role: "producer" as ShowRole };
    try {
      await t.db.db
        .delete(memberships)
        .where(and(eq(memberships.showId, removed.showId), eq(memberships.userId, removed.userId)));
      const closed = await within(priya.closed, "the sweep to close priya's connection");
      expect(closed).toEqual({ code: CLOSE.accessEnded, reason: "Your access to this show has ended" });
      // Others stay connected.
      expect(ari.ws.readyState).toBe(WebSocket.OPEN);
      await ari.roundTrip();
      // And she cannot come back.
      expect((await refusal(urlOf(doc), { origin, cookie: await cookieFor("priya") })).status).toBe(404);
    } finally {
      await t.db.db.insert(memberships).values(removed).onConflictDoNothing();
      priya.close();
      ari.close();
    }
  });

  it("an expired membership is closed the same way", async () => {
    const doc = versionDoc(moonfall, 0);
    const rex = await connect("rex", doc);
    const rexId = t.seed.users.rex!;
    const [before] = await t.db.db
      .select({ expiresAt: memberships.expiresAt })
      .from(memberships)
      .where(and(eq(memberships.showId, moonfall.id), eq(memberships.userId, rexId)));
    try {
      await t.db.db
        .update(memberships)
        .set({ expiresAt: sql`now() - interval '1 minute'` })
        .where(and(eq(memberships.showId, moonfall.id), eq(memberships.userId, rexId)));
      expect((await within(rex.closed, "the sweep to close rex's connection")).code).toBe(CLOSE.accessEnded);
    } finally {
      await t.db.db
        .update(memberships)
        .set({ expiresAt: before!.expiresAt })
        .where(and(eq(memberships.showId, moonfall.id), eq(memberships.userId, rexId)));
      rex.close();
    }
  });

  it("a message flood beyond WS_MAX_MESSAGES_PER_SECOND closes with 4429", async () => {
    const limit = env().WS_MAX_MESSAGES_PER_SECOND;
    const client = await connect("sam", versionDoc(moonfall, 1));
    const query = message(MESSAGE_QUERY_AWARENESS, () => {});
    for (let i = 0; i < limit * 2 + 10; i++) client.send(query);
    const closed = await within(client.closed, "the close after a flood");
    expect(closed.code).toBe(CLOSE.tooManyMessages);
    expect(closed.reason).toMatch(/rate limit/);
    client.close();
  });
});
