import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { crc32 } from "node:zlib";
import * as Y from "yjs";
import type { DbHandle } from "~/db/client";
import type { Bus } from "~/server/realtime/bus";
import { type DocStore, postgresDocStore } from "~/server/realtime/persistence";

/**
 * The live layer's write-ahead journal: every accepted batch is written to a local file, with
 * one synchronous write(2), before it is relayed; the database append follows in the
 * background. A crash of the process cannot lose what the kernel already holds, so a node can
 * relay at once and still lose nothing another client has seen: on start, journal files left by
 * a process that is gone are appended to the database before anything is served.
 *
 * Not covered: a crash of the machine itself before the kernel writes the file out (the same
 * window PostgreSQL's synchronous_commit = off leaves, which the append uses).
 *
 * Files are segments named `<pid>-<start>-<n>.journal`; a segment is deleted as soon as every
 * batch in it is in the database. A record is: body length (u32 LE), CRC-32 of the body, body =
 * show id length (u8), show id, document name length (u16 LE), document name, update.
 */
export type Journal = {
  /** Writes one batch; throws if the file cannot be written (the caller then waits for the database). */
  write(showId: string, docName: string, update: Uint8Array): JournalEntry;
  /** The batch is in the database: its segment may go once all its batches are. */
  stored(entry: JournalEntry): void;
  /** Batches written and not yet stored. */
  pending(): number;
  /** Closes the current segment; segments whose batches are all stored are deleted. */
  close(): void;
};

export type JournalEntry = { readonly segment: Segment };
type Segment = { file: string; fd: number | null; bytes: number; pending: number };

const HEADER = 8;
/** A new segment once the current one is this big and nothing in it is pending, or 4× this. */
const SEGMENT_BYTES = 1 << 20;

export function encodeRecord(showId: string, docName: string, update: Uint8Array): Buffer {
  const show = Buffer.from(showId, "latin1");
  const name = Buffer.from(docName, "latin1");
  if (show.length > 255 || name.length > 65_535) throw new Error("journal: document reference too long");
  const body = Buffer.allocUnsafe(1 + show.length + 2 + name.length + update.byteLength);
  let at = body.writeUInt8(show.length, 0);
  at += show.copy(body, at);
  at = body.writeUInt16LE(name.length, at);
  at += name.copy(body, at);
  body.set(update, at);
  const header = Buffer.allocUnsafe(HEADER);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

export type JournalRecord = { showId: string; docName: string; update: Uint8Array };

/** The records of one segment, up to the first incomplete or damaged one (a torn last write). */
export function decodeRecords(data: Buffer): { records: JournalRecord[]; damagedAt: number | null } {
  const records: JournalRecord[] = [];
  let at = 0;
  while (at < data.length) {
    if (data.length - at < HEADER) return { records, damagedAt: at };
    const length = data.readUInt32LE(at);
    const sum = data.readUInt32LE(at + 4);
    const start = at + HEADER;
    if (length < 3 || start + length > data.length) return { records, damagedAt: at };
    const body = data.subarray(start, start + length);
    if (crc32(body) !== sum) return { records, damagedAt: at };
    const showLength = body.readUInt8(0);
    const nameAt = 1 + showLength;
    if (nameAt + 2 > body.length) return { records, damagedAt: at };
    const nameLength = body.readUInt16LE(nameAt);
    const updateAt = nameAt + 2 + nameLength;
    if (updateAt > body.length) return { records, damagedAt: at };
    records.push({
      showId: body.toString("latin1", 1, nameAt),
      docName: body.toString("latin1", nameAt + 2, updateAt),
      update: new Uint8Array(body.subarray(updateAt)),
    });
    at = start + length;
  }
  return { records, damagedAt: null };
}

const SEGMENT_NAME = /^(\d+)-(\d+)-(\d+)\.journal$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // this process has not written any yet: a former one did
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export type Recovery = { segments: number; batches: number; documents: number; damaged: number };

/**
 * Appends what segments left by stopped processes hold to the database (merged per document),
 * then deletes them. A segment of a process still running (another node sharing the folder) is
 * left to it. Throws, leaving the files, if the database cannot take them: start again later.
 */
export async function recoverJournals(
  dir: string,
  store: DocStore,
  /** Told of each document's recovered changes once stored (other nodes' rooms need them too). */
  onStored?: (docName: string, update: Uint8Array) => void,
): Promise<Recovery> {
  mkdirSync(dir, { recursive: true });
  const segments = readdirSync(dir)
    .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
    .filter((s) => s.match && !alive(Number(s.match[1])))
    .map((s) => path.join(dir, s.name));
  const byDoc = new Map<string, { showId: string; docName: string; updates: Uint8Array[] }>();
  let batches = 0;
  let damaged = 0;
  for (const file of segments) {
    const { records, damagedAt } = decodeRecords(readFileSync(file));
    if (damagedAt !== null) damaged++;
    for (const r of records) {
      const key = `${r.showId}\0${r.docName}`;
      const doc = byDoc.get(key) ?? { showId: r.showId, docName: r.docName, updates: [] };
      byDoc.set(key, doc);
      doc.updates.push(r.update);
      batches++;
    }
  }
  // Appending an update that is already stored changes nothing (Yjs updates are idempotent).
  for (const doc of byDoc.values()) {
    const update = doc.updates.length === 1 ? doc.updates[0]! : Y.mergeUpdates(doc.updates);
    try {
      await store.append(doc.showId, doc.docName, update);
    } catch (error) {
      throw new Error(
        `The live journal in ${dir} holds changes a stopped process did not store, and the database refused them (${error instanceof Error ? error.message : error}). They stay there for the next start; check DATABASE_URL, or set LIVE_JOURNAL_DIR to this node's own folder.`,
      );
    }
    onStored?.(doc.docName, update);
  }
  for (const file of segments) unlinkSync(file);
  return { segments: segments.length, batches, documents: byDoc.size, damaged };
}

/** Opens this process's journal in `dir` (call recoverJournals first). */
export function openJournal(dir: string): Journal {
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  let count = 0;
  const closed = new Set<Segment>();
  let current: Segment;
  const open = (): Segment => {
    const file = path.join(dir, `${process.pid}-${started}-${count++}.journal`);
    return { file, fd: openSync(file, "a", 0o600), bytes: 0, pending: 0 };
  };
  const retire = (segment: Segment) => {
    if (segment.fd !== null) closeSync(segment.fd);
    segment.fd = null;
    if (segment.pending === 0) unlinkSync(segment.file);
    else closed.add(segment);
  };
  current = open();
  let pendingTotal = 0;
  return {
    write(showId, docName, update) {
      if (current.fd === null) throw new Error("journal is closed");
      const record = encodeRecord(showId, docName, update);
      let written = 0;
      while (written < record.length) written += writeSync(current.fd, record, written);
      current.bytes += record.length;
      current.pending++;
      pendingTotal++;
      return { segment: current };
    },
    stored({ segment }) {
      segment.pending--;
      pendingTotal--;
      if (segment.fd === null) {
        if (segment.pending === 0 && closed.delete(segment)) unlinkSync(segment.file);
        return;
      }
      // Start afresh once the segment is big: right away if all of it is stored, else at 4×.
      if (current.bytes >= SEGMENT_BYTES && (current.pending === 0 || current.bytes >= 4 * SEGMENT_BYTES)) {
        const full = current;
        current = open();
        retire(full);
      }
    },
    pending: () => pendingTotal,
    close() {
      if (current.fd === null) return;
      retire(current);
    },
  };
}

/** Recovers what stopped processes left in `dir`, then opens this process's journal there. */
export async function openLiveJournal(
  dir: string,
  store: DocStore,
  log: (message: string) => void,
  bus?: Bus | null,
): Promise<Journal> {
  const r = await recoverJournals(dir, store, (docName, update) => bus?.publish(docName, "update", update));
  if (r.batches > 0 || r.damaged > 0)
    log(
      `live journal: stored ${r.batches} change batch(es) for ${r.documents} document(s) left by a stopped process` +
        (r.damaged > 0
          ? `; ${r.damaged} file(s) ended in a record cut off by the crash, which was skipped`
          : ""),
    );
  return openJournal(dir);
}

/** The journal `npm start` and a bare live node run with: LIVE_JOURNAL_DIR, or none (null). */
export function liveJournalFor(
  dir: string | null,
  database: Pick<DbHandle, "db" | "exec">,
  bus: Bus | null,
): Promise<Journal | null> {
  if (!dir) return Promise.resolve(null);
  return openLiveJournal(dir, postgresDocStore(database.db, database.exec), (m) => console.log(m), bus);
}
