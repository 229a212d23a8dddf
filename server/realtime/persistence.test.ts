import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { appendSql, postgresDocStore } from "~/server/realtime/persistence";
import { docName } from "~/shared/doc-name";
import { demoName, testStroke } from "~/testing/annotation";
import { type Seeded, seededDatabase } from "~/testing/db";

let t: Seeded;
beforeAll(async () => {
  t = await seededDatabase({ frames: 1 });
});
afterAll(() => t?.dispose());

/** An update adding a valid stroke by Dana under `key`, numbered by its createdAt. */
function updateWith(key: string, value: number): Uint8Array {
  const dana = { id: t.seed.users.dana!, name: demoName(t.seed.users.dana!, t.seed.users) };
  const doc = new Y.Doc();
  doc.getMap("annotations").set(key, testStroke(key, dana, { createdAt: value }));
  return Y.encodeStateAsUpdate(doc);
}

describe("Yjs persistence in PostgreSQL", () => {
  it("appends in one round trip, loads merged, and compacts without losing updates", async () => {
    const show = t.seed.shows.moonfall!;
    const name = docName("version", show.id, show.versionIds[0]!);
    const store = postgresDocStore(t.db.db, t.db.exec);
    for (let i = 0; i < 30; i++) await store.append(show.id, name, updateWith(`k${i}`, i));
    const loaded = await store.load(show.id, name);
    expect(loaded.rows).toBe(30);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, loaded.update!);
    expect(doc.getMap("annotations").size).toBe(30);

    expect(await store.compact(show.id, name)).toBe(1);
    const after = await store.load(show.id, name);
    expect(after.rows).toBe(1);
    const compacted = new Y.Doc();
    Y.applyUpdate(compacted, after.update!);
    expect(compacted.getMap("annotations").toJSON()).toEqual(doc.getMap("annotations").toJSON());
  });

  it("row-level security applies to the fast path: a row for another show's id is refused", async () => {
    const moonfall = t.seed.shows.moonfall!;
    const tidewater = t.seed.shows.tidewater!;
    // The SQL sets app.show_id to the first argument; an insert claiming another show fails RLS.
    const text = appendSql(moonfall.id, "x", updateWith("a", 1)).replace(
      `values ('${moonfall.id}'`,
      `values ('${tidewater.id}'`,
    );
    await expect(t.db.exec(text)).rejects.toThrow(/row-level security/);
  });

  it("refuses document references that are not ids", () => {
    expect(() => appendSql("not-a-uuid", "x", new Uint8Array())).toThrow(/invalid document reference/);
    expect(() => appendSql(t.seed.shows.moonfall!.id, "x'); drop table users; --", new Uint8Array())).toThrow(
      /invalid document reference/,
    );
  });
});
