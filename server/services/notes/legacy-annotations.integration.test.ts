/**
 * Version documents stored before the live layer checked annotations (issue 15): a poisoned
 * annotation nested thousands of arrays deep, and a comment carrying someone else's name. Sign-off,
 * reopen and the notes export keep working, and every name comes from the server's record.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { postgresDocStore } from "~/server/realtime/persistence";
import { notesCsv } from "~/server/services/notes/notes-export";
import { docName } from "~/shared/doc-name";
import { type Seeded, seededDatabase } from "~/testing/db";
import { connectAs, startLive } from "~/testing/in-process-live";
import { until } from "~/testing/yclient";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "legacy-annotations-secret-0123456789abcdefgh";
});

let t: Seeded;
let moonfall: Seeded["seed"]["shows"][string];

const deep = (n: number): unknown => {
  let v: unknown = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

const PLACEHOLDER = "PLACEHOLDER_DEEP";

/**
 * `update` with the placeholder string replaced by an array nested `depth` deep, byte by byte
 * (lib0's encoding: 117 = array, then its length; 119 = string): deeper than this process can
 * encode or decode by recursion, as a hostile client could send it.
 */
function withDeepArray(update: Uint8Array, depth: number): Uint8Array {
  const marker = [119, PLACEHOLDER.length, ...Buffer.from(PLACEHOLDER)];
  const bytes = Buffer.from(update);
  const at = bytes.indexOf(Buffer.from(marker));
  if (at < 0) throw new Error("placeholder not found");
  const nested = Buffer.alloc(depth * 2 + 2);
  for (let i = 0; i < depth; i++) nested.set([117, 1], i * 2);
  nested.set([117, 0], depth * 2);
  return Buffer.concat([bytes.subarray(0, at), nested, bytes.subarray(at + marker.length)]);
}

beforeAll(async () => {
  t = await seededDatabase();
  moonfall = t.seed.shows.moonfall!;
});

afterAll(async () => {
  await t?.dispose();
});

describe("annotations stored before the server checked them", () => {
  it("a poisoned annotation does not break sign-off, reopen or the export; a forged name shows the real one", async () => {
    const versionId = moonfall.versionIds[0]!;
    const legacy = new Y.Doc();
    const map = legacy.getMap("annotations");
    const base = { frame: 1001, authorId: t.seed.users.ari!, createdAt: 1_700_000_000_000 };
    map.set("poison", {
      ...base,
      id: "poison",
      kind: "stroke",
      authorName: "Ari Lindqvist",
      color: "#ff3b6b",
      width: 0.006,
      points: [0.1, 0.1, 0.2, 0.2],
      extra: deep(4000),
    });
    map.set("forged", {
      ...base,
      id: "forged",
      kind: "comment",
      x: 0.5,
      y: 0.5,
      text: "ship it",
      authorName: "Dana Okafor (director)",
    });
    await postgresDocStore(t.db.db).append(
      moonfall.id,
      docName("version", moonfall.id, versionId),
      Y.encodeStateAsUpdate(legacy),
    );

    const dana = await t.as("dana");
    const decided = await dana.version.decide({
      showId: moonfall.id,
      versionId,
      kind: "changes_requested",
      reason: "see the notes",
    });
    expect(decided).toBeTruthy();
    await dana.version.reopen({ showId: moonfall.id, versionId, reason: "again" });

    const data = await dana.notes.board({ showId: moonfall.id, boardId: moonfall.boardId });
    const csv = notesCsv(data);
    expect(csv).toContain("ship it");
    expect(csv).toContain("Ari Lindqvist");
    expect(csv).not.toContain("Dana Okafor (director)");
    const notes = data.versions.flatMap((v) => v.notes);
    expect(notes.map((n) => n.id)).toContain("forged");
    expect(notes.map((n) => n.id)).not.toContain("poison");
  });

  it("a value too deep to decode here at all: sign-off works, and opening the document repairs what is stored", async () => {
    const versionId = moonfall.versionIds[1]!;
    const doc = docName("version", moonfall.id, versionId);
    const legacy = new Y.Doc();
    const map = legacy.getMap("annotations");
    const base = { frame: 1001, authorId: t.seed.users.ari!, authorName: "Ari Lindqvist", createdAt: 1 };
    map.set("bomb", { ...base, id: "bomb", kind: "comment", x: 0, y: 0, text: "", extra: PLACEHOLDER });
    map.set("kept", { ...base, id: "kept", kind: "comment", x: 0.5, y: 0.5, text: "kept note" });
    const store = postgresDocStore(t.db.db);
    await store.append(moonfall.id, doc, withDeepArray(Y.encodeStateAsUpdate(legacy), 200_000));
    // What made it unusable: this process cannot decode it.
    const { update: raw } = await store.load(moonfall.id, doc);
    expect(() => Y.applyUpdate(new Y.Doc(), raw!)).toThrow(RangeError);

    const dana = await t.as("dana");
    await dana.version.decide({
      showId: moonfall.id,
      versionId,
      kind: "changes_requested",
      reason: "see notes",
    });
    const data = await dana.notes.board({ showId: moonfall.id, boardId: moonfall.boardId });
    const ids = data.versions.flatMap((v) => v.notes.map((n) => n.id));
    expect(ids).toContain("kept");
    expect(ids).not.toContain("bomb");

    const live = await startLive(t);
    try {
      const ari = await connectAs(t, live, "ari", doc);
      await until(ari.doc, () => ari.doc.getMap("annotations").has("kept"), 10_000, "the kept note");
      expect(ari.doc.getMap("annotations").has("bomb")).toBe(false);
      ari.close();
      const { update, rows } = await store.load(moonfall.id, doc);
      expect(rows).toBe(1);
      const repaired = new Y.Doc();
      Y.applyUpdate(repaired, update!);
      expect([...repaired.getMap("annotations").keys()]).toEqual(["kept"]);
    } finally {
      await live.close();
    }
  });
});
