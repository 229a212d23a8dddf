/**
 * The live-layer attacks of an outside review (issue 15), each performed as a client would:
 * raw y-websocket messages from a member's authenticated socket. Each is refused with a reason,
 * and nothing of it reaches other clients, the stored document or the notes table.
 */
import { and, eq } from "drizzle-orm";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { notes, users } from "~/db/schema";
import { postgresDocStore } from "~/server/realtime/persistence";
import type { RealtimeOptions } from "~/server/realtime/server";
import { docName } from "~/shared/doc-name";
import { encodeAwareness, MESSAGE_AWARENESS, MESSAGE_SYNC, message } from "~/shared/live-protocol";
import { testStroke } from "~/testing/annotation";
import { type Seeded, seededDatabase } from "~/testing/db";
import { connectAs, type Live, startLive as startInProcess } from "~/testing/in-process-live";
import { recordAttack } from "~/testing/reliability-results";
import { until, type YClient } from "~/testing/yclient";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "live-attacks-secret-0123456789abcdefghijklmn";
});

const STALE_COPY = 4409;
const DOCUMENT_FULL = 4413;
const TOO_MANY = 4429;
const DOC_CAP = 256 * 1024;

let t: Seeded;
let live: Live;
let moonfall: Seeded["seed"]["shows"][string];
const names: Record<string, string> = {};
const open = new Set<YClient>();

const startLive = (opts: Partial<RealtimeOptions> = {}) =>
  startInProcess(t, { maxDocBytes: DOC_CAP, ...opts });

beforeAll(async () => {
  t = await seededDatabase();
  moonfall = t.seed.shows.moonfall!;
  for (const u of await t.db.db.select({ id: users.id, name: users.name }).from(users)) names[u.id] = u.name;
  live = await startLive();
});

afterAll(async () => {
  for (const c of open) c.close();
  await live?.close();
  await t?.dispose();
});

async function connect(key: string, doc: string, on: Live = live): Promise<YClient> {
  const client = await connectAs(t, on, key, doc);
  open.add(client);
  return client;
}

const user = (key: string) => ({ id: t.seed.users[key]!, name: names[t.seed.users[key]!]! });
const versionDoc = (i: number) => docName("version", moonfall.id, moonfall.versionIds[i]!);
const annotations = (c: YClient) => c.doc.getMap<Record<string, unknown>>("annotations");
const sendUpdate = (c: YClient, update: Uint8Array) =>
  c.ws.send(message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update)));

/** A version-1 update with no items, only a delete set: `ranges` per client id. */
function deleteOnly(ranges: [client: number, clock: number, len: number][]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, ranges.length);
  for (const [client, clock, len] of ranges) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, clock);
    encoding.writeVarUint(e, len);
  }
  return encoding.toUint8Array(e);
}

/** What the database holds for a document once the room stored everything it accepted. */
async function stored(doc: string, on: Live = live): Promise<Y.Map<Record<string, unknown>>> {
  await on.realtime.rooms.get(doc)?.flush();
  const { update } = await postgresDocStore(t.db.db).load(moonfall.id, doc);
  const ydoc = new Y.Doc();
  if (update) Y.applyUpdate(ydoc, update);
  return ydoc.getMap("annotations");
}

async function noteRow(versionIndex: number, id: string) {
  const [row] = await t.db.db
    .select()
    .from(notes)
    .where(and(eq(notes.versionId, moonfall.versionIds[versionIndex]!), eq(notes.id, id)));
  return row;
}

/** A comment by `who` (their own name unless told), on frame 1001. */
function comment(who: { id: string; name: string }, text: string, extra: Record<string, unknown> = {}) {
  const id = crypto.randomUUID();
  return {
    id,
    kind: "comment",
    frame: 1001,
    x: 0.5,
    y: 0.5,
    text,
    authorId: who.id,
    authorName: who.name,
    createdAt: Date.now(),
    ...extra,
  };
}

/** A write that must be refused: `attacker` does it, closes with `code` and `reason`, nothing lands. */
async function refused(
  name: string,
  attacker: YClient,
  act: () => void,
  expected: { code: number; reason: string | RegExp },
  unseen: { watcher: YClient; doc: string; key: string },
): Promise<void> {
  act();
  const closed = await attacker.closed;
  expect(closed.code).toBe(expected.code);
  if (typeof expected.reason === "string") expect(closed.reason).toBe(expected.reason);
  else expect(closed.reason).toMatch(expected.reason);
  // The watcher still syncs, and never saw the attack's key.
  const probe = `probe-${crypto.randomUUID()}`;
  annotations(unseen.watcher).set(probe, testStroke(probe, user("dana")) as never);
  const after = await connect("priya", unseen.doc);
  await until(after.doc, () => annotations(after).has(probe), 5000, "the watcher's probe");
  const keptOut = !annotations(unseen.watcher).has(unseen.key) && !annotations(after).has(unseen.key);
  const storedNothing = !(await stored(unseen.doc)).has(unseen.key);
  expect(keptOut).toBe(true);
  expect(storedNothing).toBe(true);
  recordAttack(name, storedNothing ? 0 : 1);
  after.close();
}

describe("erasing what others write next (delete ranges past what the server holds)", () => {
  it("a delete set naming another client's future clocks is refused; that author's later comments survive everywhere", async () => {
    const doc = versionDoc(0);
    const ari = await connect("ari", doc);
    const sam = await connect("sam", doc);
    const dana = await connect("dana", doc);
    const victim = ari.doc.clientID;
    sam.ws.send(
      message(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, deleteOnly([[victim, 0, 1_000_000]]))),
    );
    const closed = await sam.closed;
    expect(closed).toEqual({
      code: STALE_COPY,
      reason: "Not allowed: a deletion of content the server does not hold",
    });

    const note = comment(user("ari"), "the rim light is too hot");
    annotations(ari).set(note.id, note);
    await until(dana.doc, () => annotations(dana).has(note.id), 5000, "ari's comment at dana");
    expect((await stored(doc)).get(note.id)).toMatchObject({ text: note.text });
    const row = await noteRow(0, note.id);
    expect(row?.text).toBe(note.text);
    recordAttack("future delete range (live)");
  });

  it("offline edits that create and delete in one update still merge (the range is the update's own)", async () => {
    const doc = versionDoc(0);
    const offline = new Y.Doc();
    const a = testStroke(crypto.randomUUID(), user("ari"));
    const b = testStroke(crypto.randomUUID(), user("ari"));
    offline.getMap("annotations").set(a.id, a);
    offline.getMap("annotations").set(b.id, b);
    offline.getMap("annotations").delete(b.id);
    const dana = await connect("dana", doc);
    const ari = await connect("ari", doc);
    sendUpdate(ari, Y.encodeStateAsUpdate(offline));
    await until(dana.doc, () => annotations(dana).has(a.id), 5000, "the offline stroke");
    expect(annotations(dana).has(b.id)).toBe(false);
    expect(ari.ws.readyState).toBe(ari.ws.OPEN);
  });

  it("a document stored with such a range before the fix is repaired when loaded", async () => {
    const doc = versionDoc(1);
    const victimClient = 4_242_424;
    // The attack as it was stored: a row holding only the delete set.
    await postgresDocStore(t.db.db).append(moonfall.id, doc, deleteOnly([[victimClient, 0, 1_000_000]]));
    const victimDoc = new Y.Doc();
    victimDoc.clientID = victimClient;
    const ari = await connect("ari", doc);
    const dana = await connect("dana", doc);
    const note = comment(user("ari"), "written after the attack was stored");
    // The victim's own client id, as in the attack: its first items are the ones the range names.
    const update = (() => {
      victimDoc.getMap("annotations").set(note.id, note);
      return Y.encodeStateAsUpdate(victimDoc);
    })();
    sendUpdate(ari, update);
    await until(dana.doc, () => annotations(dana).has(note.id), 5000, "the comment at dana");
    expect((await stored(doc)).get(note.id)).toMatchObject({ text: note.text });
    // A newcomer loads the repaired document: the comment is there.
    await live.realtime.rooms.get(doc)?.flush();
    const fresh = postgresDocStore(t.db.db);
    const { update: whole } = await fresh.load(moonfall.id, doc);
    const check = new Y.Doc();
    Y.applyUpdate(check, whole!);
    expect(check.store.pendingDs).toBeNull();
    expect(check.getMap("annotations").has(note.id)).toBe(true);
    recordAttack("future delete range (stored before the fix)");
  });
});

describe("forged authorship", () => {
  it("a comment under one's own id with the director's name is refused", async () => {
    const doc = versionDoc(2);
    const watcher = await connect("dana", doc);
    const ari = await connect("ari", doc);
    const forged = comment(user("ari"), "approved, ship it", { authorName: "Dana Okafor (director)" });
    await refused(
      "forged author name",
      ari,
      () => annotations(ari).set(forged.id, forged),
      { code: STALE_COPY, reason: "Not allowed: an annotation's author name must be the author's own" },
      { watcher, doc, key: forged.id },
    );
  });

  it("a forged name stored before the fix shows the server's name in the notes table", async () => {
    const doc = versionDoc(3);
    const legacy = new Y.Doc();
    const forged = comment(user("ari"), "legacy", { authorName: "Dana Okafor (director)" });
    legacy.getMap("annotations").set(forged.id, forged);
    await postgresDocStore(t.db.db).append(moonfall.id, doc, Y.encodeStateAsUpdate(legacy));
    const ari = await connect("ari", doc);
    const mine = comment(user("ari"), "a fresh one");
    annotations(ari).set(mine.id, mine);
    const room = live.realtime.rooms.get(doc)!;
    await until(
      room.doc,
      () => room.doc.getMap("annotations").has(mine.id),
      5000,
      "the comment at the server",
    );
    await stored(doc);
    expect((await noteRow(3, forged.id))?.authorName).toBe("Ari Lindqvist");
    expect((await noteRow(3, mine.id))?.authorName).toBe("Ari Lindqvist");
    // Ari may still edit the legacy entry as it is stored; another new forged name is refused.
    annotations(ari).set(forged.id, { ...forged, text: "legacy, edited" });
    await until(
      room.doc,
      () => (room.doc.getMap("annotations").get(forged.id) as { text?: string }).text === "legacy, edited",
      5000,
      "the edit at the server",
    );
    annotations(ari).set(forged.id, { ...forged, authorName: "Priya Natarajan" });
    expect((await ari.closed).reason).toBe(
      "Not allowed: an annotation's author name must be the author's own",
    );
  });
});

describe("poisoned and arbitrary content", () => {
  const deep = (n: number): unknown => {
    let v: unknown = [];
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  const cases: [string, (a: YClient) => string, RegExp][] = [
    [
      "an extra field nested 1,500 arrays deep",
      (a) => {
        const s = testStroke(crypto.randomUUID(), user("ari")) as Record<string, unknown>;
        annotations(a).set(s.id as string, { ...s, extra: deep(1500) });
        return s.id as string;
      },
      /^Not allowed: an annotation holds values nested deeper than its kind allows$/,
    ],
    [
      "an unknown key",
      (a) => {
        const s = testStroke(crypto.randomUUID(), user("ari")) as Record<string, unknown>;
        annotations(a).set(s.id as string, { ...s, script: "x" });
        return s.id as string;
      },
      /^Not allowed: an annotation does not match its kind/,
    ],
    [
      "a coordinate of Infinity",
      (a) => {
        const s = testStroke(crypto.randomUUID(), user("ari"), { points: [0.1, Number.POSITIVE_INFINITY] });
        annotations(a).set(s.id, s as never);
        return s.id;
      },
      /^Not allowed: an annotation does not match its kind \(points\.1\)/,
    ],
    [
      "a frame outside the shot",
      (a) => {
        const s = testStroke(crypto.randomUUID(), user("ari"), { frame: 99_999 });
        annotations(a).set(s.id, s as never);
        return s.id;
      },
      /^Not allowed: an annotation is on a frame outside 1001–1002$/,
    ],
    [
      "30,000 points in one stroke",
      (a) => {
        const s = testStroke(crypto.randomUUID(), user("ari"), { points: Array(30_000).fill(0.5) });
        annotations(a).set(s.id, s as never);
        return s.id;
      },
      /^Not allowed: an annotation does not match its kind \(points\)/,
    ],
    [
      "a 10,000-character comment",
      (a) => {
        const c = comment(user("ari"), "x".repeat(10_000));
        annotations(a).set(c.id, c);
        return c.id;
      },
      /^Not allowed: an annotation does not match its kind \(text\)/,
    ],
    [
      "megabytes in another top-level map",
      (a) => {
        a.doc.getMap("junk").set("blob", "x".repeat(1_000_000));
        return "blob";
      },
      /^Not allowed: the version document has no part named "junk"$/,
    ],
    [
      "a top-level text",
      (a) => {
        a.doc.getText("annotations-text").insert(0, "hello");
        return "annotations-text";
      },
      /^Not allowed: the version document has no part named "annotations-text"$/,
    ],
  ];
  it.each(cases)("%s is refused at the socket; nothing stored", async (name, act, reason) => {
    const doc = versionDoc(4);
    const watcher = await connect("dana", doc);
    const ari = await connect("ari", doc);
    let key = "";
    await refused(
      name,
      ari,
      () => (key = act(ari)),
      { code: STALE_COPY, reason },
      {
        watcher,
        doc,
        get key() {
          return key;
        },
      },
    );
    const fresh = new Y.Doc();
    const { update } = await postgresDocStore(t.db.db).load(moonfall.id, doc);
    Y.applyUpdate(fresh, update!);
    expect([...fresh.share.keys()].filter((k) => k !== "annotations")).toEqual([]);
  });

  it("a document is capped: the write that would pass LIVE_DOC_MAX_BYTES is refused and says the limit", async () => {
    const doc = versionDoc(5);
    const ari = await connect("ari", doc);
    const written: string[] = [];
    // 40 KB comments (each within the schema's caps) until the cap closes the socket.
    for (let i = 0; i < 20 && ari.ws.readyState === ari.ws.OPEN; i++) {
      const c = comment(user("ari"), "y".repeat(3900));
      const s = testStroke(crypto.randomUUID(), user("ari"), { points: Array(20_000).fill(0.25) });
      annotations(ari).set(c.id, c);
      annotations(ari).set(s.id, s as never);
      written.push(c.id, s.id);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const closed = await ari.closed;
    expect(closed.code).toBe(DOCUMENT_FULL);
    expect(closed.reason).toContain(`the limit is ${DOC_CAP} bytes (LIVE_DOC_MAX_BYTES)`);
    const { update } = await postgresDocStore(t.db.db).load(moonfall.id, doc);
    expect(update!.byteLength).toBeLessThanOrEqual(DOC_CAP);
    recordAttack("document over its size cap");
  });

  it("board documents take only the session's fields, and nobody makes someone else the presenter", async () => {
    const doc = docName("board", moonfall.id, moonfall.boardId);
    for (const [name, act, reason] of [
      ["junk map on a board", (c: YClient) => c.doc.getMap("junk").set("x", 1), /has no part named "junk"/],
      [
        "unknown session field",
        (c: YClient) => c.doc.getMap("session").set("evil", 1),
        /no field session\.evil/,
      ],
      [
        "a session field of the wrong type",
        (c: YClient) => c.doc.getMap("session").set("rate", "fast"),
        /session\.rate/,
      ],
      [
        "someone else as presenter",
        (c: YClient) => c.doc.getMap("session").set("presenterId", t.seed.users.dana!),
        /only you can make yourself the presenter/,
      ],
    ] as const) {
      const sam = await connect("sam", doc);
      act(sam);
      const closed = await sam.closed;
      expect(closed.code, name).toBe(STALE_COPY);
      expect(closed.reason, name).toMatch(reason);
      recordAttack(`board: ${name}`);
    }
  });
});

describe("presence flooding", () => {
  it("3,000 presence entries in one message: others see one entry for that connection", async () => {
    const doc = versionDoc(2);
    const watcher = await connect("dana", doc);
    const ari = await connect("ari", doc);
    const flood = Array.from({ length: 3000 }, (_, i) => ({
      clientId: 1_000_000 + i,
      clock: 1,
      state: { cursor: { x: 0.5, y: 0.5 }, user: { name: `ghost ${i}` } },
    }));
    ari.ws.send(message(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, encodeAwareness(flood))));
    const mark = testStroke(crypto.randomUUID(), user("ari"));
    annotations(ari).set(mark.id, mark as never);
    await until(watcher.doc, () => annotations(watcher).has(mark.id), 5000, "the marker after the flood");
    const states = [...watcher.awareness.getStates().entries()].filter(
      ([id]) => id >= 1_000_000 && id < 1_003_000,
    );
    expect(states).toHaveLength(1);
    expect(watcher.awareness.getStates().size).toBe(2); // the watcher's own and the one relayed
    expect((states[0]![1] as { user: { name: string } }).user.name).toBe("Ari Lindqvist");
    recordAttack("presence flood (3,000 entries in one message, one relayed)");
  });
});

describe("drawing only for the people the presenter allows", () => {
  it("a member the presenter did not allow is refused on the server; once allowed, draws", async () => {
    const board = await connect("dana", docName("board", moonfall.id, moonfall.boardId));
    const session = board.doc.getMap("session");
    board.doc.transact(() => {
      session.set("presenting", true);
      session.set("presenterId", t.seed.users.dana!);
      session.set("presenterName", names[t.seed.users.dana!]!);
      session.set("drawing", "granted");
      session.set("grants", {});
    });
    const boardName = docName("board", moonfall.id, moonfall.boardId);
    const serverBoard = () => live.realtime.rooms.get(boardName)!.doc.getMap("session");
    await until(
      live.realtime.rooms.get(boardName)!.doc,
      () => serverBoard().get("drawing") === "granted",
      5000,
      "the grant mode at the server",
    );
    const doc = versionDoc(3);
    const watcher = await connect("dana", doc);
    const sam = await connect("sam", doc);
    const stroke = testStroke(crypto.randomUUID(), user("sam"));
    await refused(
      "drawing without the presenter's grant",
      sam,
      () => annotations(sam).set(stroke.id, stroke as never),
      {
        code: STALE_COPY,
        reason:
          "Not allowed: the presenter lets only the people they choose draw now; ask them to let you draw",
      },
      { watcher, doc, key: stroke.id },
    );
    session.set("grants", { [t.seed.users.sam!]: true });
    await until(
      live.realtime.rooms.get(boardName)!.doc,
      () => (serverBoard().get("grants") as Record<string, true>)[t.seed.users.sam!] === true,
      5000,
      "sam's grant at the server",
    );
    const again = await connect("sam", doc);
    annotations(again).set(stroke.id, stroke as never);
    await until(watcher.doc, () => annotations(watcher).has(stroke.id), 5000, "the granted stroke");
    session.set("presenting", false);
    await until(
      live.realtime.rooms.get(boardName)!.doc,
      () => serverBoard().get("presenting") === false,
      5000,
      "the end of presenting",
    );
  });
});

describe("many sockets, one user", () => {
  it("connections past the per-user cap are refused at the upgrade with 429 and the limit", async () => {
    const capped = await startLive({ maxConnectionsPerUser: 5 });
    try {
      const doc = versionDoc(0);
      for (let i = 0; i < 5; i++) await connect("ari", doc, capped);
      await expect(connect("ari", doc, capped)).rejects.toThrow("refused with HTTP 429");
      // Someone else is not affected.
      await connect("sam", doc, capped);
      recordAttack("sockets past the per-user cap");
    } finally {
      for (const c of open) c.close();
      await capped.close();
    }
  });

  it("messages across one user's sockets share a budget: the socket that spends it is closed with 4429", async () => {
    const capped = await startLive({ maxMessagesPerSecond: 1000, maxMessagesPerSecondPerUser: 60 });
    try {
      const doc = versionDoc(0);
      const sockets = await Promise.all(Array.from({ length: 5 }, () => connect("ari", doc, capped)));
      const watcher = await connect("dana", doc, capped);
      // 5 × 20 messages: each socket far below its own limit, together past the user's.
      const query = message(3, () => {});
      for (let round = 0; round < 20; round++) for (const s of sockets) s.ws.send(query);
      const first = await Promise.race(sockets.map((s) => s.closed));
      expect(first.code).toBe(TOO_MANY);
      expect(first.reason).toContain("from your account across its connections (60 a second)");
      expect(watcher.ws.readyState).toBe(watcher.ws.OPEN);
      recordAttack("message budget across one user's sockets");
    } finally {
      for (const c of open) c.close();
      await capped.close();
    }
  });
});
