import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { decodePDFRawStream, PDFDocument, PDFName, PDFRawStream } from "pdf-lib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { notes, users } from "~/db/schema";
import { env } from "~/server/env";
import { postgresDocStore } from "~/server/realtime/persistence";
import { createRealtime, type Realtime } from "~/server/realtime/server";
import { materialiseNotes, noteIdsChangedBy } from "~/server/services/notes/notes";
import { annotatedFrames, notesCsv, notesPdf } from "~/server/services/notes/notes-export";
import { notesHash } from "~/server/services/signoff/signoff-snapshot";
import { LocalMediaStore, mediaKeys } from "~/server/storage/media-store";
import type { Annotation } from "~/shared/annotations";
import { docName } from "~/shared/doc-name";
import { demoAuthor } from "~/testing/annotation";
import { type Seeded, seededDatabase } from "~/testing/db";
import { connectYClient, type YClient } from "~/testing/yclient";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "notes-test-secret-0123456789abcdefghijklmnopq";
});

let t: Seeded;
let server: http.Server;
let realtime: Realtime;
let port: number;
let moonfall: Seeded["seed"]["shows"][string];
let tidewater: Seeded["seed"]["shows"][string];
const clients: YClient[] = [];

beforeAll(async () => {
  t = await seededDatabase();
  moonfall = t.seed.shows.moonfall!;
  tidewater = t.seed.shows.tidewater!;
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => void realtime.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  realtime = createRealtime({
    db: t.db.db,
    appOrigin: () => `http://localhost:${port}`,
    maxMessageBytes: env().WS_MAX_MESSAGE_BYTES,
    maxMessagesPerSecond: env().WS_MAX_MESSAGES_PER_SECOND,
    notesDelayMs: 20,
    log: () => {},
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await realtime?.close();
  await new Promise((resolve) => server?.close(resolve));
  server?.closeAllConnections();
  await t?.dispose();
});

async function connect(key: string, doc: string): Promise<YClient> {
  const uid = t.seed.users[key]!;
  const [user] = await t.db.db.select({ sv: users.sessionVersion }).from(users).where(eq(users.id, uid));
  const token = await encode({ token: { uid, sv: user!.sv, name: key }, secret: env().authSecret });
  const client = await connectYClient(`ws://127.0.0.1:${port}/yjs/${doc}`, {
    cookie: `next-auth.session-token=${token}`,
    origin: `http://localhost:${port}`,
  });
  clients.push(client);
  await client.synced;
  return client;
}

/** An annotation's common fields, by the demo user `key` under the name the server records. */
const base = (key: string, id: string, frame: number, createdAt: number) => {
  const author = demoAuthor(key, t.seed.users);
  return { id, frame, authorId: author.id, authorName: author.name, createdAt };
};

function put(client: YClient, a: Annotation) {
  client.doc.getMap<Annotation>("annotations").set(a.id, a);
}

const rowsOf = (versionId: string) =>
  t.db.db.select().from(notes).where(eq(notes.versionId, versionId)).orderBy(notes.createdAt);

describe("notes materialised from the live documents", () => {
  it("annotations and comments land in notes with kind, frame, author, text, parent, mentions and resolved; deletions follow", async () => {
    const versionId = moonfall.versionIds[0]!;
    const name = docName("version", moonfall.id, versionId);
    const ari = await connect("ari", name);
    const sam = await connect("sam", name);
    const now = Date.UTC(2026, 0, 1);
    put(ari, {
      ...base("ari", "s1", 1001, now),
      kind: "rect",
      color: "#ff3b6b",
      width: 0.006,
      x: 0.1,
      y: 0.1,
      w: 0.3,
      h: 0.2,
    });
    put(ari, {
      ...base("ari", "c1", 1002, now + 1),
      kind: "comment",
      x: 0.5,
      y: 0.5,
      text: "Rim light, @Sam Reyes?",
      mentions: [t.seed.users.sam!],
    });
    put(sam, { ...base("sam", "r1", 1002, now + 2), kind: "reply", parentId: "c1", text: "On it" });
    put(sam, { ...base("sam", "z1", 1002, now + 3), kind: "resolution", parentId: "c1", resolved: true });

    await vi.waitFor(
      async () => {
        const rows = await rowsOf(versionId);
        expect(rows.map((r) => [r.id, r.kind, r.frameNumber, r.resolved])).toEqual([
          ["s1", "rect", 1001, false],
          ["c1", "comment", 1002, true],
          ["r1", "reply", 1002, false],
        ]);
      },
      { timeout: 10_000, interval: 50 },
    );
    const rows = await rowsOf(versionId);
    const [rect, comment, reply] = rows;
    expect(rect).toMatchObject({ showId: moonfall.id, authorId: t.seed.users.ari, text: "" });
    expect(rect!.data).toMatchObject({ color: "#ff3b6b", x: 0.1, y: 0.1, w: 0.3, h: 0.2 });
    expect(comment).toMatchObject({ text: "Rim light, @Sam Reyes?", mentions: [t.seed.users.sam] });
    expect(comment!.data).toMatchObject({ x: 0.5, y: 0.5, resolvedBy: "Sam Reyes" });
    expect(reply).toMatchObject({ parentId: "c1", authorId: t.seed.users.sam, text: "On it" });
    expect(comment!.createdAt.toISOString()).toBe(new Date(now + 1).toISOString());

    // Reopened, and the rectangle erased: the rows follow.
    put(ari, { ...base("ari", "z2", 1002, now + 4), kind: "resolution", parentId: "c1", resolved: false });
    ari.doc.getMap("annotations").delete("s1");
    await vi.waitFor(
      async () => {
        const after = await rowsOf(versionId);
        expect(after.map((r) => [r.id, r.resolved])).toEqual([
          ["c1", false],
          ["r1", false],
        ]);
      },
      { timeout: 10_000, interval: 50 },
    );
    // Unchanged rows are left alone on the next pass (updated_at does not move).
    const before = (await rowsOf(versionId)).find((r) => r.id === "r1")!.updatedAt;
    put(ari, {
      ...base("ari", "s2", 1001, now + 5),
      kind: "arrow",
      color: "#fff",
      width: 0.003,
      x1: 0,
      y1: 0,
      x2: 1,
      y2: 1,
    });
    await vi.waitFor(async () => expect(await rowsOf(versionId)).toHaveLength(3), {
      timeout: 10_000,
      interval: 50,
    });
    expect((await rowsOf(versionId)).find((r) => r.id === "r1")!.updatedAt).toEqual(before);
  });

  it("after a full pass only the changed annotations are written, and a full compare agrees", async () => {
    const where = { showId: moonfall.id, versionId: moonfall.versionIds[3]! };
    const doc = new Y.Doc();
    const map = doc.getMap<Annotation>("annotations");
    doc.transact(() => {
      for (let i = 0; i < 2000; i++)
        map.set(`n${i}`, {
          ...base("ari", `n${i}`, 1001 + (i % 2), i),
          kind: "comment",
          x: 0.5,
          y: 0.5,
          text: `note ${i}`,
        });
    });
    expect(await materialiseNotes(t.db.db, where, doc)).toEqual({ upserted: 2000, deleted: 0 });
    const changed = new Set<string>();
    map.observe((event) => {
      for (const id of noteIdsChangedBy(event)) changed.add(id);
    });
    map.set("res", { ...base("sam", "res", 1001, 5000), kind: "resolution", parentId: "n7", resolved: true });
    map.delete("n8");
    expect([...changed].sort()).toEqual(["n7", "n8", "res"]);
    // n7 is rewritten as resolved; n8 is deleted (and "res" is no note of its own).
    expect(await materialiseNotes(t.db.db, where, doc, changed)).toEqual({ upserted: 1, deleted: 2 });
    const rows = await rowsOf(where.versionId);
    expect(rows).toHaveLength(1999);
    expect(rows.find((r) => r.id === "n7")).toMatchObject({
      resolved: true,
      data: { resolvedBy: "Sam Reyes" },
    });
    expect(await materialiseNotes(t.db.db, where, doc)).toEqual({ upserted: 0, deleted: 0 });
  });

  it("a sign-off binds notes persisted but not yet materialised (e.g. a node crashed before its debounce)", async () => {
    // Persisted straight to the store (as if the node crashed before its debounce fired).
    const versionId = moonfall.versionIds[2]!;
    const name = docName("version", moonfall.id, versionId);
    const doc = new Y.Doc();
    doc.getMap("annotations").set("late", {
      ...base("sam", "late", 1001, Date.UTC(2026, 0, 2)),
      kind: "comment",
      x: 0.2,
      y: 0.2,
      text: "Late note",
    });
    await postgresDocStore(t.db.db).append(moonfall.id, name, Y.encodeStateAsUpdate(doc));
    expect(await rowsOf(versionId)).toHaveLength(0);

    const dana = await t.as("dana");
    const result = await dana.version.decide({
      showId: moonfall.id,
      versionId,
      kind: "changes_requested",
      reason: "See the note",
    });
    const rows = await rowsOf(versionId);
    expect(rows.map((r) => r.text)).toEqual(["Late note"]);
    expect(result.decision.notesHash).toBe(notesHash(rows));
  });
});

describe("My notes", () => {
  it("lists notes on the user's own versions and notes mentioning them, newest first, never another show's", async () => {
    const tidewaterVersion = tidewater.versionIds[0]!;
    // In Tidewater (where sam is not a member), a note mentioning sam: he must never see it.
    await t.db.db.insert(notes).values({
      showId: tidewater.id,
      versionId: tidewaterVersion,
      id: "tw-1",
      kind: "comment",
      frameNumber: 1001,
      authorId: t.seed.users.ari,
      authorName: "Ari",
      text: "Tidewater secret @sam",
      mentions: [t.seed.users.sam!],
      createdAt: new Date(Date.UTC(2026, 0, 9)),
    });

    const ari = await (await t.as("ari")).notes.mine();
    const ids = ari.map((n) => n.id);
    // Ari submitted Moonfall's versions: every note on them, newest first.
    expect(ids.slice(0, 3)).toEqual(["late", "s2", "r1"]);
    expect(ari.find((n) => n.id === "c1")).toMatchObject({
      showSlug: "moonfall",
      shotCode: expect.stringMatching(/^SQ/),
      frameNumber: 1002,
      onMyVersion: true,
      mentionsMe: false,
      boardId: moonfall.boardId,
    });
    // Ari is Tidewater's director, not the submitter there, and not mentioned: not listed.
    expect(ids).not.toContain("tw-1");
    for (let i = 1; i < ari.length; i++)
      expect(ari[i - 1]!.createdAt.getTime()).toBeGreaterThanOrEqual(ari[i]!.createdAt.getTime());

    const sam = await (await t.as("sam")).notes.mine();
    expect(sam.map((n) => n.id)).toEqual(["c1"]);
    expect(sam[0]).toMatchObject({ mentionsMe: true, onMyVersion: false });
    expect(JSON.stringify(sam)).not.toContain("Tidewater");

    // Dana submitted Tidewater's versions: the Tidewater note is hers to see.
    const dana = await (await t.as("dana")).notes.mine();
    expect(dana.map((n) => n.id)).toContain("tw-1");
    expect(await (await t.as("nomad")).notes.mine()).toEqual([]);

    // Search: every word must match the text, author or shot; LIKE wildcards are literal.
    const found = await (await t.as("dana")).notes.mine({ search: "tidewater SECRET" });
    expect(found.map((n) => n.id)).toEqual(["tw-1"]);
    expect(await (await t.as("dana")).notes.mine({ search: "%" })).toEqual([]);
    expect(await (await t.as("sam")).notes.mine({ search: "secret" })).toEqual([]);
  });
});

describe("board notes export", () => {
  it("CSV has a row per note; the PDF holds each annotated frame with its drawings burned in, comments beside it", async () => {
    const versionId = moonfall.versionIds[1]!;
    const name = docName("version", moonfall.id, versionId);
    const ari = await connect("ari", name);
    const now = Date.UTC(2026, 0, 3);
    // A thick green rectangle over the left half of frame 1001, and a comment on it.
    put(ari, {
      ...base("ari", "box", 1001, now),
      kind: "rect",
      color: "#00ff00",
      width: 0.05,
      x: 0.1,
      y: 0.2,
      w: 0.4,
      h: 0.6,
    });
    put(ari, {
      ...base("ari", "why", 1001, now + 1),
      kind: "comment",
      x: 0.7,
      y: 0.3,
      text: "Push the sky warmer, @Sam Reyes",
      mentions: [t.seed.users.sam!],
    });
    // Persisted (the export itself brings the notes up to date from the store).
    await vi.waitFor(
      async () => {
        const doc = new Y.Doc();
        const { update } = await postgresDocStore(t.db.db).load(moonfall.id, name);
        if (update) Y.applyUpdate(doc, update);
        expect(doc.getMap("annotations").size).toBe(2);
      },
      { timeout: 10_000, interval: 50 },
    );

    const data = await (await t.as("rex")).notes.board({ showId: moonfall.id, boardId: moonfall.boardId });
    const csv = notesCsv(data);
    expect(csv.split("\r\n")[0]).toBe(
      "shot,version,frame,kind,author,text,thread,mentions,resolved,created_at,note_id",
    );
    expect(csv).toContain("Push the sky warmer");
    expect(csv).toContain(",Sam Reyes,false,");
    expect(annotatedFrames(data).map((f) => `${f.version.id}:${f.frame.frameNumber}`)).toContain(
      `${versionId}:1001`,
    );

    const store = new LocalMediaStore(t.mediaDir);
    const steps: string[] = [];
    const bytes = await notesPdf(
      data,
      { title: "Moonfall", slug: "moonfall" },
      (sha) => store.get(mediaKeys(sha).proxy),
      (p) => steps.push(`${p.done}/${p.total}`),
    );
    expect(steps.at(-1)).toBe(`${annotatedFrames(data).length + 1}/${annotatedFrames(data).length + 1}`);

    const pdf = await PDFDocument.load(bytes);
    const images: Buffer[] = [];
    let content = "";
    for (const [, obj] of pdf.context.enumerateIndirectObjects()) {
      if (!(obj instanceof PDFRawStream)) continue;
      if (obj.dict.get(PDFName.of("Subtype")) === PDFName.of("Image")) images.push(Buffer.from(obj.contents));
      else content += Buffer.from(decodePDFRawStream(obj).decode()).toString("latin1");
    }
    expect(images.length).toBe(annotatedFrames(data).length);
    // pdf-lib writes text as hex strings of the WinAnsi bytes.
    const hex = Buffer.from("Push the sky warmer", "latin1").toString("hex").toUpperCase();
    expect(content.toUpperCase()).toContain(hex);

    // The frame for this version: the rectangle's edge is burned in green.
    const frames = annotatedFrames(data);
    const index = frames.findIndex((f) => f.version.id === versionId && f.frame.frameNumber === 1001);
    const { data: pixels, info } = await sharp(images[index]!).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => {
      const o =
        (Math.round(y * (info.height - 1)) * info.width + Math.round(x * (info.width - 1))) * info.channels;
      return [pixels[o]!, pixels[o + 1]!, pixels[o + 2]!];
    };
    const [r, g, b] = px(0.1, 0.5); // on the left edge of the rectangle
    expect(g).toBeGreaterThan(180);
    expect(r).toBeLessThan(100);
    expect(b).toBeLessThan(100);
  });

  it("a non-member gets NOT_FOUND for another show's board", async () => {
    const sam = await t.as("sam");
    await expect(sam.notes.board({ showId: tidewater.id, boardId: tidewater.boardId })).rejects.toMatchObject(
      {
        code: "NOT_FOUND",
      },
    );
    await expect(sam.notes.board({ showId: moonfall.id, boardId: tidewater.boardId })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    // Rows of the other show stay where they are.
    const tw = await t.db.db
      .select()
      .from(notes)
      .where(and(eq(notes.showId, tidewater.id)));
    expect(tw.map((n) => n.id)).toEqual(["tw-1"]);
  });
});
