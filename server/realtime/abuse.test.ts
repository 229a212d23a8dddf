/**
 * Websocket abuse cases not covered by realtime.test.ts: lock and unlock while connected,
 * taken effect through the app's own procedures (no periodic sweep: it is set to a minute here),
 * role changes and removal mid-session, presence tampering, oversized and garbage frames. After
 * every case another connected client still syncs.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { memberships, shows, users } from "~/db/schema";
import { env } from "~/server/env";
import { postgresDocStore } from "~/server/realtime/persistence";
import { CLOSE, createRealtime, type Realtime } from "~/server/realtime/server";
import { docName } from "~/shared/doc-name";
import {
  decodeAccess,
  encodeAwareness,
  type LiveAccess,
  MESSAGE_ACCESS,
  MESSAGE_AWARENESS,
  MESSAGE_SYNC,
  message,
} from "~/shared/live-protocol";
import { demoAuthor, demoName, testStroke } from "~/testing/annotation";
import { type Seeded, seededDatabase } from "~/testing/db";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "abuse-test-secret-0123456789abcdefghijklmnopqrs";
});

const MAX_BYTES = 64 * 1024;

let t: Seeded;
let server: http.Server;
let realtime: Realtime;
let origin: string;
let moonfall: Seeded["seed"]["shows"][string];
const open = new Set<Peer>();

beforeAll(async () => {
  t = await seededDatabase();
  moonfall = t.seed.shows.moonfall!;
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => {
    if ((req.url ?? "").startsWith("/yjs/")) void realtime.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  realtime = createRealtime({
    db: t.db.db,
    appOrigin: () => origin,
    maxMessageBytes: MAX_BYTES,
    maxMessagesPerSecond: 500,
    // Long on purpose: every change below must take effect through the app, not the sweep.
    sweepIntervalMs: 60_000,
    log: () => {},
  });
});

afterAll(async () => {
  for (const p of open) p.close();
  await realtime?.close();
  await new Promise((resolve) => server?.close(resolve));
  await t?.dispose();
});

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

async function cookieFor(key: string): Promise<string> {
  const [u] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users[key]!));
  const token = await encode({ token: { uid: u!.id, sv: u!.sessionVersion }, secret: env().authSecret });
  return `next-auth.session-token=${token}`;
}

/** A y-websocket client that also records Shotboard's access messages, and never reconnects. */
class Peer {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  access: LiveAccess | null = null;
  private readonly waiters: (() => void)[] = [];
  private readonly accessWaiters = new Set<() => void>();

  constructor(
    url: string,
    headers: Record<string, string>,
    /** Who is connected, as the server knows them: the author of what this peer writes. */
    readonly author: { id: string; name: string },
  ) {
    this.ws = new WebSocket(url, { headers });
    this.closed = new Promise((resolve) =>
      this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.ws.on("error", () => {});
    this.ws.on("open", () =>
      this.send(message(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, this.doc))),
    );
    this.ws.on("message", (data: Buffer) => this.receive(new Uint8Array(data)));
    this.doc.on("update", (update: Uint8Array, from: unknown) => {
      if (from !== this) this.send(message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update)));
    });
    this.awareness.on("update", ({ added, updated, removed }: Changes, from: unknown) => {
      if (from !== "local") return;
      const payload = awarenessProtocol.encodeAwarenessUpdate(this.awareness, added.concat(updated, removed));
      this.send(message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, payload)));
    });
    open.add(this);
  }

  /** A version document's annotations: the one part of it a client may write. */
  get map(): Y.Map<unknown> {
    return this.doc.getMap("annotations");
  }

  send(data: Uint8Array | string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  private receive(bytes: Uint8Array): void {
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const reply = encoding.createEncoder();
      encoding.writeVarUint(reply, MESSAGE_SYNC);
      const syncType = syncProtocol.readSyncMessage(decoder, reply, this.doc, this);
      if (encoding.length(reply) > 1) this.send(encoding.toUint8Array(reply));
      if (syncType === syncProtocol.messageYjsSyncStep2) this.waiters.shift()?.();
    } else if (type === MESSAGE_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
    } else if (type === MESSAGE_ACCESS) {
      this.access = decodeAccess(decoder);
      for (const w of this.accessWaiters) w();
    }
  }

  /** Sync step 1 and its answer: the server handled everything this client sent before. */
  roundTrip(): Promise<void> {
    const answered = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.send(message(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, this.doc)));
    return within(answered, "a sync round trip");
  }

  /** Resolves once `check` holds for the map named `part` (the annotations unless told). */
  until(check: (map: Y.Map<unknown>) => boolean, what: string, part = "annotations"): Promise<void> {
    const map = this.doc.getMap(part);
    return within(
      new Promise<void>((resolve) => {
        if (check(map)) return resolve();
        const onUpdate = () => {
          if (!check(map)) return;
          this.doc.off("update", onUpdate);
          resolve();
        };
        this.doc.on("update", onUpdate);
      }),
      what,
    );
  }

  accessBecomes(expected: LiveAccess, what: string): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        const look = () => {
          if (this.access?.readOnly !== expected.readOnly || this.access.showState !== expected.showState)
            return;
          this.accessWaiters.delete(look);
          resolve();
        };
        this.accessWaiters.add(look);
        look();
      }),
      what,
    );
  }

  close(): void {
    open.delete(this);
    this.ws.terminate();
    this.awareness.destroy();
    this.doc.destroy();
  }
}

type Changes = { added: number[]; updated: number[]; removed: number[] };

async function connect(key: string, doc: string): Promise<Peer> {
  const peer = new Peer(
    `${origin.replace("http", "ws")}/yjs/${doc}`,
    { origin, cookie: await cookieFor(key) },
    demoAuthor(key, t.seed.users),
  );
  await within(
    new Promise<void>((resolve, reject) => {
      peer.ws.once("open", () => resolve());
      peer.ws.once("unexpected-response", (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    }),
    `${key} connecting`,
  );
  await peer.roundTrip();
  await peer.accessBecomes(peer.access ?? { readOnly: false, showState: "active" }, "the access message");
  return peer;
}

/** A write by `from` that `watcher` must see: proof the document still syncs. */
async function stillSyncs(from: Peer, watcher: Peer, key: string): Promise<void> {
  from.map.set(key, testStroke(key, from.author, { createdAt: Date.now() }));
  await watcher.until((m) => m.has(key), `${key} to sync`);
}

async function persisted(doc: string): Promise<Y.Map<unknown>> {
  const { update } = await postgresDocStore(t.db.db).load(moonfall.id, doc);
  const ydoc = new Y.Doc();
  if (update) Y.applyUpdate(ydoc, update);
  return ydoc.getMap("annotations");
}

const versionDoc = (i: number) => docName("version", moonfall.id, moonfall.versionIds[i]!);

describe("locking while connected", () => {
  it("the producer's lock turns open connections read-only at once; writes are dropped; unlock restores", async () => {
    const doc = versionDoc(0);
    const dana = await connect("dana", doc);
    const ari = await connect("ari", doc);
    const priya = await t.as("priya");
    try {
      expect(dana.access).toEqual({ readOnly: false, showState: "active" });
      await priya.show.setLocked({ showId: moonfall.id, locked: true });
      await Promise.all([
        dana.accessBecomes({ readOnly: true, showState: "locked" }, "dana to be told the show is locked"),
        ari.accessBecomes({ readOnly: true, showState: "locked" }, "ari to be told the show is locked"),
      ]);
      // Even the director's writes are dropped now: nobody sees them, nothing is stored.
      dana.map.set("while-locked", testStroke("while-locked", dana.author));
      await dana.roundTrip();
      await ari.roundTrip();
      expect(ari.map.has("while-locked")).toBe(false);
      expect((await persisted(doc)).has("while-locked")).toBe(false);

      await priya.show.setLocked({ showId: moonfall.id, locked: false });
      // Ari wrote nothing while locked: the same connection may write again.
      await ari.accessBecomes({ readOnly: false, showState: "active" }, "ari to be told it is unlocked");
      // Dana's copy holds a change the server dropped; writing on from it would smuggle that
      // change in later, so her connection is closed and her app starts from a fresh copy.
      expect(await within(dana.closed, "dana's stale copy to be closed")).toEqual({
        code: CLOSE.staleCopy,
        reason: "Your copy missed changes while read-only; reload the live document",
      });
      const fresh = await connect("dana", doc);
      await stillSyncs(ari, fresh, "after-unlock");
      await stillSyncs(fresh, ari, "fresh-dana-writes");
      expect(fresh.map.has("while-locked")).toBe(false);
      expect((await persisted(doc)).has("while-locked")).toBe(false);
      fresh.close();
    } finally {
      await t.db.db.update(shows).set({ state: "active" }).where(eq(shows.id, moonfall.id));
      dana.close();
      ari.close();
    }
  });
});

describe("membership changes mid-session", () => {
  it("a removed member is closed with 4403 and the reason, at once; the others keep syncing", async () => {
    const doc = versionDoc(1);
    const priya = await t.as("priya");
    const added = await priya.member.add({
      showId: moonfall.id,
      email: "nomad@shotboard.test",
      role: "reviewer",
    });
    const nomad = await connect("nomad", doc);
    const dana = await connect("dana", doc);
    const sam = await connect("sam", doc);
    try {
      await stillSyncs(dana, nomad, "before-removal");
      await priya.member.remove({ showId: moonfall.id, membershipId: added.membershipId });
      expect(await within(nomad.closed, "nomad's connection to close")).toEqual({
        code: CLOSE.accessEnded,
        reason: "Your access to this show has ended",
      });
      await stillSyncs(dana, sam, "after-removal");
    } finally {
      await t.db.db.delete(memberships).where(eq(memberships.id, added.membershipId));
      nomad.close();
      dana.close();
      sam.close();
    }
  });

  it("a producer demoted to reviewer stops presenting on the board at once", async () => {
    const doc = docName("board", moonfall.id, moonfall.boardId);
    const priya = await t.as("priya");
    const samRow = (await priya.member.list({ showId: moonfall.id })).find(
      (m) => m.userId === t.seed.users.sam,
    )!;
    const sam = await connect("sam", doc);
    const dana = await connect("dana", doc);
    try {
      expect(sam.access).toEqual({ readOnly: false, showState: "active" });
      await priya.member.setRole({
        showId: moonfall.id,
        membershipId: samRow.membershipId,
        role: "reviewer",
      });
      await sam.accessBecomes({ readOnly: true, showState: "active" }, "sam to lose presenting");
      // A presenter's move (the board's session: the one part of it a presenter drives) is dropped.
      sam.doc.getMap("session").set("frame", 1002);
      await sam.roundTrip();
      await dana.roundTrip();
      expect(dana.doc.getMap("session").has("frame")).toBe(false);
      // The director still presents: her taking over reaches sam (other fields than the one his
      // copy changed, which would race with his dropped move).
      dana.doc.transact(() => {
        const session = dana.doc.getMap("session");
        session.set("presenting", true);
        session.set("presenterId", dana.author.id);
        session.set("presenterName", dana.author.name);
      });
      await sam.until(
        (m) => m.get("presenterId") === dana.author.id,
        "the director's presenting to reach sam",
        "session",
      );
    } finally {
      await priya.member.setRole({
        showId: moonfall.id,
        membershipId: samRow.membershipId,
        role: "supervisor",
      });
      sam.close();
      dana.close();
    }
  });
});

describe("presence tampering", () => {
  it("a client cannot remove or overwrite another client's presence, nor speak for the server", async () => {
    const doc = versionDoc(2);
    const ari = await connect("ari", doc);
    const sam = await connect("sam", doc);
    const watcher = await connect("dana", doc);
    try {
      ari.awareness.setLocalState({ cursor: { x: 0.4, y: 0.4 } });
      await within(
        new Promise<void>((resolve) => {
          const look = () => watcher.awareness.getStates().get(ari.doc.clientID) && resolve();
          watcher.awareness.on("change", look);
          look();
        }),
        "ari's presence",
      );
      // Sam sends "ari left" (a null state for ari's client id) and a state for a made-up id
      // claiming to be dana; then a marker of his own. A connection speaks for one client id
      // only, the first it claims: the made-up one, so his marker goes under it.
      const forged = encodeAwareness([
        { clientId: ari.doc.clientID, clock: 9999, state: null },
        {
          clientId: 424242,
          clock: 1,
          state: {
            user: { id: t.seed.users.dana, name: "Dana Okafor", role: "director" },
            cursor: { x: 1, y: 1 },
          },
        },
      ]);
      sam.send(message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, forged)));
      await sam.roundTrip();
      const marker = encodeAwareness([{ clientId: 424242, clock: 2, state: { marker: true } }]);
      sam.send(message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, marker)));
      await within(
        new Promise<void>((resolve) => {
          const look = () => watcher.awareness.getStates().get(424242)?.marker && resolve();
          watcher.awareness.on("change", look);
          look();
        }),
        "sam's marker",
      );
      const states = watcher.awareness.getStates();
      expect(states.get(ari.doc.clientID)).toMatchObject({ user: { id: t.seed.users.ari } });
      // The made-up id speaks for sam, whoever it claimed to be.
      expect(states.get(424242)).toMatchObject({ user: { id: t.seed.users.sam, name: "Sam Reyes" } });
      await stillSyncs(ari, watcher, "after-presence-tampering");
    } finally {
      ari.close();
      sam.close();
      watcher.close();
    }
  });
});

describe("frames the server will not take", () => {
  it(`a frame over WS_MAX_MESSAGE_BYTES is refused with 1009 and a clear reason; others keep syncing`, async () => {
    const doc = versionDoc(3);
    const flooder = await connect("ari", doc);
    const dana = await connect("dana", doc);
    const sam = await connect("sam", doc);
    try {
      flooder.send(new Uint8Array(MAX_BYTES + 1));
      expect(await within(flooder.closed, "the oversized frame's close")).toEqual({
        code: CLOSE.messageTooBig,
        reason: `Message too large: the limit is ${MAX_BYTES} bytes`,
      });
      // A legitimate large write below the cap still goes through: a stroke of about half of it
      // (points that are not float32s take 9 bytes each).
      const points = Array.from({ length: 2 * Math.floor(MAX_BYTES / 2 / 18) }, (_, i) => (i % 997) / 997);
      dana.map.set("big-but-fine", testStroke("big-but-fine", dana.author, { points }));
      await sam.until((m) => m.has("big-but-fine"), "a large write under the cap");
      await stillSyncs(sam, dana, "after-oversized");
    } finally {
      flooder.close();
      dana.close();
      sam.close();
    }
  });

  it.each([
    ["an empty frame", new Uint8Array(0)],
    [
      "a sync step 1 with a garbage state vector",
      message(MESSAGE_SYNC, (e) => {
        encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1);
        encoding.writeVarUint8Array(e, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
      }),
    ],
    [
      "an awareness state that is not an object",
      message(MESSAGE_AWARENESS, (e) =>
        encoding.writeVarUint8Array(e, encodeAwareness([{ clientId: 7, clock: 1, state: [1, 2] as never }])),
      ),
    ],
    [
      "an awareness update claiming 20 000 entries",
      message(MESSAGE_AWARENESS, (e) => {
        const inner = encoding.createEncoder();
        encoding.writeVarUint(inner, 20_000);
        encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
      }),
    ],
    [
      "a length prefix far beyond the frame",
      Uint8Array.from([MESSAGE_SYNC, syncProtocol.messageYjsUpdate, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3]),
    ],
    ["random bytes", Uint8Array.from({ length: 256 }, (_, i) => (i * 73 + 19) % 256)],
  ])("%s closes that connection with 4400; others keep syncing", async (_what, bytes) => {
    const doc = versionDoc(4);
    const offender = await connect("ari", doc);
    const dana = await connect("dana", doc);
    const sam = await connect("sam", doc);
    try {
      offender.send(bytes);
      const closed = await within(offender.closed, "the close after garbage");
      expect(closed.code).toBe(CLOSE.badMessage);
      expect(closed.reason).toMatch(/^Malformed message: /);
      await stillSyncs(dana, sam, `after-garbage-${bytes.length}`);
    } finally {
      offender.close();
      dana.close();
      sam.close();
    }
  });
});

describe("annotations stay their authors'", () => {
  const note = (author: string, text: string, id: string) => ({
    id,
    kind: "comment",
    frame: 1001,
    x: 0.5,
    y: 0.5,
    text,
    authorId: t.seed.users[author],
    authorName: demoName(t.seed.users[author]!, t.seed.users),
    createdAt: 1,
  });
  const annotations = (p: Peer) => p.doc.getMap<Record<string, unknown>>("annotations");

  it.each([
    [
      "an annotation in someone else's name",
      "ari",
      (p: Peer, id: string) => annotations(p).set(`${id}-forged`, note("dana", "forged", `${id}-forged`)),
      "new annotations must be in your own name",
    ],
    [
      "overwriting someone else's annotation",
      "sam",
      (p: Peer, id: string) => annotations(p).set(id, note("ari", "rewritten", id)),
      "only the director may edit or delete others' annotations",
    ],
    [
      "taking over someone else's annotation",
      "sam",
      (p: Peer, id: string) => annotations(p).set(id, note("sam", "mine now", id)),
      "an annotation's author cannot be changed",
    ],
    [
      "deleting someone else's annotation",
      "sam",
      (p: Peer, id: string) => annotations(p).delete(id),
      "only the director may edit or delete others' annotations",
    ],
    [
      "a nested live type inside the annotations",
      "ari",
      (p: Peer, id: string) => annotations(p).set(`${id}-nested`, new Y.Map() as never),
      "annotations must be plain values",
    ],
  ])(
    "%s is refused (4409, the change never lands); others keep syncing",
    async (_what, offenderKey, act, reason) => {
      const doc = versionDoc(5);
      const ari = await connect("ari", doc);
      const watcher = await connect("dana", doc);
      const offender = offenderKey === "ari" ? ari : await connect(offenderKey, doc);
      const id = crypto.randomUUID();
      try {
        annotations(ari).set(id, note("ari", "ari's own note", id));
        await within(
          new Promise<void>((resolve) => {
            const look = () => annotations(offender).has(id) && annotations(watcher).has(id) && resolve();
            offender.doc.on("update", look);
            watcher.doc.on("update", look);
            look();
          }),
          "ari's note to reach everyone",
        );
        act(offender, id);
        expect(await within(offender.closed, "the refusal")).toEqual({
          code: CLOSE.staleCopy,
          reason: `Not allowed: ${reason}`,
        });
        await watcher.roundTrip();
        expect(annotations(watcher).get(id)).toMatchObject({
          text: "ari's own note",
          authorId: t.seed.users.ari,
        });
        expect([...annotations(watcher).keys()].filter((k) => k.startsWith(id))).toEqual([id]);
        const stored = (await postgresDocStore(t.db.db).load(moonfall.id, doc)).update;
        const fresh = new Y.Doc();
        if (stored) Y.applyUpdate(fresh, stored);
        expect(fresh.getMap("annotations").get(id)).toMatchObject({ text: "ari's own note" });
        const other = offender === ari ? await connect("sam", doc) : ari;
        await stillSyncs(other, watcher, `after-${id}`);
        if (other !== ari) other.close();
      } finally {
        for (const p of new Set([ari, watcher, offender])) p.close();
      }
    },
  );

  it("authors edit and delete their own; the director edits and deletes anyone's, keeping the author", async () => {
    const doc = versionDoc(5);
    const ari = await connect("ari", doc);
    const dana = await connect("dana", doc);
    const sam = await connect("sam", doc);
    const [one, two] = [crypto.randomUUID(), crypto.randomUUID()];
    try {
      annotations(ari).set(one, note("ari", "first", one));
      annotations(ari).set(two, note("ari", "second", two));
      annotations(ari).set(one, note("ari", "first, edited", one));
      annotations(ari).delete(two);
      await within(
        new Promise<void>((resolve) => {
          const look = () =>
            (annotations(sam).get(one) as { text?: string } | undefined)?.text === "first, edited" &&
            !annotations(sam).has(two) &&
            resolve();
          sam.doc.on("update", look);
          look();
        }),
        "ari's own edits",
      );
      annotations(dana).set(one, note("ari", "director's tweak", one));
      await within(
        new Promise<void>((resolve) => {
          const look = () =>
            (annotations(sam).get(one) as { text?: string } | undefined)?.text === "director's tweak" &&
            resolve();
          sam.doc.on("update", look);
          look();
        }),
        "the director's edit",
      );
      annotations(dana).delete(one);
      await within(
        new Promise<void>((resolve) => {
          const look = () => !annotations(ari).has(one) && resolve();
          ari.doc.on("update", look);
          look();
        }),
        "the director's deletion",
      );
      expect(ari.ws.readyState).toBe(WebSocket.OPEN);
      expect(dana.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      ari.close();
      dana.close();
      sam.close();
    }
  });
});
