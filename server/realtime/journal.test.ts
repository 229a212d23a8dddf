import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  decodeRecords,
  encodeRecord,
  openJournal,
  openLiveJournal,
  recoverJournals,
} from "~/server/realtime/journal";
import { postgresDocStore } from "~/server/realtime/persistence";
import { MAX_STROKE_POINTS } from "~/shared/annotation-schema";
import { docName } from "~/shared/doc-name";
import { demoName, testStroke } from "~/testing/annotation";
import { type Seeded, seededDatabase } from "~/testing/db";

let t: Seeded;
let dir: string;
beforeAll(async () => {
  t = await seededDatabase({ frames: 1 });
});
afterAll(() => t?.dispose());
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "journal-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A batch of valid strokes by Dana, one under each key, of `numbers` point coordinates each. */
function strokes(keys: string[], numbers = 8): Uint8Array {
  const dana = { id: t.seed.users.dana!, name: demoName(t.seed.users.dana!, t.seed.users) };
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const key of keys)
      doc.getMap("annotations").set(key, testStroke(key, dana, { points: Array(numbers).fill(0.5) }));
  });
  return Y.encodeStateAsUpdate(doc);
}
const stroke = (key: string) => strokes([key]);

/** A process id that is certainly not running any more. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

const keysIn = (update: Uint8Array | null) => {
  const doc = new Y.Doc();
  if (update) Y.applyUpdate(doc, update);
  return [...doc.getMap("annotations").keys()].sort();
};

describe("journal records", () => {
  it("round-trip, and reading stops at a torn or damaged last record", () => {
    const show = "2d9f4f0e-3c59-4a3e-9d1c-0e6f3f3b6a11";
    const a = encodeRecord(show, "version/x/y", stroke("a"));
    const b = encodeRecord(show, "board/x/z", stroke("b"));
    const whole = Buffer.concat([a, b]);
    const read = decodeRecords(whole);
    expect(read.damagedAt).toBeNull();
    expect(read.records.map((r) => [r.showId, r.docName, keysIn(r.update)])).toEqual([
      [show, "version/x/y", ["a"]],
      [show, "board/x/z", ["b"]],
    ]);

    // A write cut off by a crash: the complete records before it are kept.
    const torn = decodeRecords(whole.subarray(0, whole.length - 3));
    expect(torn.records).toHaveLength(1);
    expect(torn.damagedAt).toBe(a.length);
    // A flipped byte in the second record's body fails its checksum.
    const flipped = Buffer.from(whole);
    flipped[a.length + 20]! ^= 0xff;
    expect(decodeRecords(flipped).records).toHaveLength(1);
    expect(decodeRecords(flipped).damagedAt).toBe(a.length);
  });
});

describe("a node's journal", () => {
  it("writes each batch at once, deletes a segment once all of it is stored, keeps one with pending batches", () => {
    const journal = openJournal(dir);
    const show = t.seed.shows.moonfall!.id;
    const e1 = journal.write(show, "version/a/b", stroke("one"));
    const e2 = journal.write(show, "version/a/b", stroke("two"));
    const [file] = readdirSync(dir);
    expect(file).toMatch(new RegExp(`^${process.pid}-\\d+-0\\.journal$`));
    // On disk before anything is stored: a crash from here on loses nothing.
    expect(decodeRecords(readFileSync(path.join(dir, file!))).records.map((r) => keysIn(r.update))).toEqual([
      ["one"],
      ["two"],
    ]);
    expect(journal.pending()).toBe(2);
    journal.stored(e1);
    journal.stored(e2);
    expect(journal.pending()).toBe(0);

    // Big segments are replaced; the old one goes once every batch in it is stored.
    // ~500 KB (five strokes at the point cap): three of them pass the 1 MiB segment size.
    const big = strokes(
      Array.from({ length: 5 }, (_, i) => `big-${i}`),
      MAX_STROKE_POINTS * 2,
    );
    const entries = Array.from({ length: 3 }, () => journal.write(show, "version/a/b", big));
    journal.stored(entries[0]!);
    journal.stored(entries[1]!);
    expect(readdirSync(dir)).toHaveLength(1); // big, but still pending: not replaced yet
    journal.stored(entries[2]!);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/-1\.journal$/)]);
    const held = journal.write(show, "version/a/b", stroke("held"));

    // Closed with a batch not stored (database down at shutdown): its segment stays for the next start.
    journal.close();
    expect(readdirSync(dir)).toHaveLength(1);
    expect(() => journal.write(show, "version/a/b", stroke("late"))).toThrow(/closed/);
    journal.stored(held);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("on start, stores what stopped processes left (merged per document) and deletes it; leaves a running one's", async () => {
    const show = t.seed.shows.moonfall!;
    const docA = docName("version", show.id, show.versionIds[0]!);
    const docB = docName("version", show.id, show.versionIds[1]!);
    const store = postgresDocStore(t.db.db, t.db.exec);
    const dead = deadPid();
    writeFileSync(
      path.join(dir, `${dead}-1-0.journal`),
      Buffer.concat([
        encodeRecord(show.id, docA, stroke("r1")),
        encodeRecord(show.id, docB, stroke("r2")),
        encodeRecord(show.id, docA, stroke("r3")),
      ]),
    );
    // A second segment of the same process, ending in a record cut off by the crash.
    const tail = encodeRecord(show.id, docA, stroke("cut"));
    writeFileSync(
      path.join(dir, `${dead}-1-1.journal`),
      Buffer.concat([encodeRecord(show.id, docB, stroke("r4")), tail.subarray(0, tail.length - 5)]),
    );
    // A segment of this very process id: written by a former process that had it (a container restart).
    writeFileSync(path.join(dir, `${process.pid}-1-0.journal`), encodeRecord(show.id, docA, stroke("r5")));
    // Another node sharing the folder, still running: not ours to take.
    const running = `${process.ppid}-1-0.journal`;
    writeFileSync(path.join(dir, running), encodeRecord(show.id, docA, stroke("theirs")));

    const told: string[] = [];
    const logged: string[] = [];
    const journal = await openLiveJournal(dir, store, (m) => logged.push(m), {
      nodeId: "test",
      publish: (name, kind, payload) => told.push(`${kind} ${name} ${keysIn(payload).join(",")}`),
      subscribe: async () => {},
      unsubscribe: async () => {},
      close: async () => {},
    });
    journal.close();

    expect(keysIn((await store.load(show.id, docA)).update)).toEqual(["r1", "r3", "r5"]);
    expect(keysIn((await store.load(show.id, docB)).update)).toEqual(["r2", "r4"]);
    // One row per document, and other nodes told of it (their open rooms did not see it).
    expect((await store.load(show.id, docA)).rows).toBe(1);
    expect(told.sort()).toEqual([`update ${docA} r1,r3,r5`, `update ${docB} r2,r4`].sort());
    expect(logged).toEqual([
      "live journal: stored 5 change batch(es) for 2 document(s) left by a stopped process; 1 file(s) ended in a record cut off by the crash, which was skipped",
    ]);
    expect(readdirSync(dir)).toEqual([running]);

    // Nothing left to do the second time.
    expect(await recoverJournals(dir, store)).toEqual({ segments: 0, batches: 0, documents: 0, damaged: 0 });
  });

  it("a journal the database refuses stays in place, with a message saying what to do", async () => {
    const store = postgresDocStore(t.db.db, t.db.exec);
    const unknownShow = "00000000-0000-4000-8000-000000000000";
    const file = path.join(dir, `${deadPid()}-1-0.journal`);
    writeFileSync(file, encodeRecord(unknownShow, "version/x/y", stroke("orphan")));
    await expect(recoverJournals(dir, store)).rejects.toThrow(
      /holds changes a stopped process did not store, and the database refused them .*They stay there for the next start; check DATABASE_URL, or set LIVE_JOURNAL_DIR/s,
    );
    expect(readdirSync(dir)).toEqual([path.basename(file)]);
    // Files that are not journal segments are never touched.
    appendFileSync(path.join(dir, "notes.txt"), "keep");
    rmSync(file);
    expect((await recoverJournals(dir, store)).segments).toBe(0);
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
  });
});
