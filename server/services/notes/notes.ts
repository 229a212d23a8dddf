import { and, asc, desc, eq, ilike, inArray, or, sql } from "drizzle-orm";
import * as Y from "yjs";
import { type Database, inScope, type Queryable } from "~/db/client";
import { boardItems, boards, memberships, type Note, notes, shots, users, versions } from "~/db/schema";
import { isTooDeep, repairTooDeep } from "~/server/realtime/guard/deep-repair";
import { storedUpdates } from "~/server/realtime/persistence";
import { canonicalJson } from "~/server/services/audit/audit-hash";
import { getBoard } from "~/server/services/shows/boards";
import { listMyShows } from "~/server/services/shows/shows";
import type { FrameInfo } from "~/server/services/shows/versions";
import { isShallowJson } from "~/shared/annotation-schema";
import { type Annotation, annotationsOf } from "~/shared/annotations";
import { type Thread, threadsOf } from "~/shared/comments";
import { docName } from "~/shared/doc-name";

export type NoteInput = typeof notes.$inferInsert;
type VersionRef = { showId: string; versionId: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Fields every annotation has; everything else (geometry, colour…) goes to `data`. */
const COMMON = new Set([
  "id",
  "kind",
  "frame",
  "authorId",
  "authorName",
  "createdAt",
  "text",
  "parentId",
  "mentions",
]);
const NOTE_KINDS = new Set(["stroke", "arrow", "rect", "ellipse", "text", "comment", "reply"]);
const MAX_TEXT = 4000;

const str = (v: unknown, max = MAX_TEXT) => (typeof v === "string" ? v.slice(0, max) : "");
const time = (v: unknown) => {
  const ms = typeof v === "number" && Number.isFinite(v) ? v : 0;
  return new Date(Math.min(8.64e15, Math.max(0, Math.round(ms))));
};

/** Values stored before the server checked them against annotation-schema.ts may be anything. */
const isEntry = (id: string, a: Annotation | undefined): a is Annotation =>
  !!a &&
  typeof a === "object" &&
  a.id === id &&
  id.length <= 200 &&
  typeof a.frame === "number" &&
  Number.isFinite(a.frame) &&
  isShallowJson(a, 3);

function noteRow(a: Annotation, where: VersionRef, thread: Thread | undefined): NoteInput {
  const record = a as unknown as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!COMMON.has(k)) data[k] = v;
  if (thread?.lastResolution) {
    data.resolvedBy = thread.lastResolution.authorName;
    data.resolvedById = thread.lastResolution.authorId;
    data.resolvedAt = thread.lastResolution.createdAt;
  }
  return {
    showId: where.showId,
    versionId: where.versionId,
    id: a.id,
    kind: a.kind,
    frameNumber: Math.trunc(a.frame),
    authorId: typeof a.authorId === "string" && UUID.test(a.authorId) ? a.authorId : null,
    authorName: str(a.authorName, 200),
    text: str(record.text),
    parentId: typeof record.parentId === "string" ? record.parentId.slice(0, 200) : null,
    mentions: Array.isArray(record.mentions)
      ? record.mentions.filter((m): m is string => typeof m === "string" && UUID.test(m)).slice(0, 100)
      : [],
    resolved: thread?.resolved ?? false,
    data,
    createdAt: time(a.createdAt),
  };
}

/**
 * The notes of a version's document: one row per shape, comment and reply. A thread's
 * resolve/reopen entries are folded into its comment (`resolved`, and who did it in `data`).
 */
export function notesOfDoc(doc: Y.Doc, where: VersionRef): NoteInput[] {
  const all: Annotation[] = [];
  for (const [id, a] of annotationsOf(doc).entries()) if (isEntry(id, a)) all.push(a);
  const threads = threadsOf(all);
  return all
    .filter((a) => NOTE_KINDS.has(a.kind))
    .map((a) => noteRow(a, where, a.kind === "comment" ? threads.get(a.id) : undefined));
}

const resolutionParent = (v: unknown) => {
  const r = v as { kind?: unknown; parentId?: unknown } | null | undefined;
  return r && r.kind === "resolution" && typeof r.parentId === "string" ? r.parentId : null;
};

/** The note ids an annotations-map change touches: its keys, and the threads a resolution is about. */
export function noteIdsChangedBy<T>(event: Y.YMapEvent<T>): string[] {
  const map = event.target as Y.Map<T>;
  const ids: string[] = [];
  for (const [key, change] of event.changes.keys) {
    ids.push(key);
    for (const v of [map.get(key), change.oldValue]) {
      const parent = resolutionParent(v);
      if (parent) ids.push(parent);
    }
  }
  return ids;
}

/**
 * The rows for some annotation ids only (what changed since the last sync): rows to upsert, and
 * ids whose annotation is gone (or is no note at all) to delete. Only a thread's resolutions are
 * read beyond those ids, so a version with 10,000 annotations costs what changed, not its size.
 */
export function notesForIds(
  doc: Y.Doc,
  where: VersionRef,
  ids: Iterable<string>,
): { rows: NoteInput[]; gone: string[] } {
  const map = annotationsOf(doc);
  const rows: NoteInput[] = [];
  const gone: string[] = [];
  const comments: Annotation[] = [];
  const present: Annotation[] = [];
  for (const id of new Set(ids)) {
    const a = map.get(id);
    if (!isEntry(id, a) || !NOTE_KINDS.has(a.kind)) gone.push(id);
    else if (a.kind === "comment") comments.push(a);
    else present.push(a);
  }
  const wanted = new Set(comments.map((c) => c.id));
  const resolutions: Annotation[] = [];
  if (wanted.size > 0)
    for (const [id, a] of map.entries())
      if (isEntry(id, a) && a.kind === "resolution" && wanted.has(a.parentId)) resolutions.push(a);
  const threads = threadsOf([...comments, ...resolutions]);
  for (const a of present) rows.push(noteRow(a, where, undefined));
  for (const c of comments) rows.push(noteRow(c, where, threads.get(c.id)));
  return { rows, gone };
}

/** What a note says; rows whose fingerprint did not change are left alone. */
function fingerprint(n: NoteInput | Note): string {
  return canonicalJson({
    kind: n.kind,
    frameNumber: n.frameNumber,
    authorId: n.authorId ?? null,
    authorName: n.authorName,
    text: n.text ?? "",
    parentId: n.parentId ?? null,
    mentions: n.mentions ?? [],
    resolved: n.resolved ?? false,
    data: n.data ?? {},
    createdAt: new Date(n.createdAt).toISOString(),
  });
}

export type SyncResult = { upserted: number; deleted: number };

/**
 * Makes the version's rows in `notes` exactly `desired`: changed or new rows are upserted, rows
 * whose annotation is gone are deleted, the rest is untouched. Serialised per version (two
 * nodes, or a sign-off and the live room, may sync the same version at once).
 */
export async function syncNotes(tx: Queryable, where: VersionRef, desired: NoteInput[]): Promise<SyncResult> {
  await lockNotes(tx, where);
  const existing = await tx
    .select()
    .from(notes)
    .where(and(eq(notes.showId, where.showId), eq(notes.versionId, where.versionId)));
  const before = new Map(existing.map((n) => [n.id, fingerprint(n)]));
  const rows = await withKnownAuthors(tx, desired);
  const changed = rows.filter((n) => before.get(n.id) !== fingerprint(n));
  const keep = new Set(desired.map((n) => n.id));
  const gone = existing.filter((n) => !keep.has(n.id)).map((n) => n.id);
  await writeNotes(tx, where, changed, gone);
  return { upserted: changed.length, deleted: gone.length };
}

/** Serialises the syncs of one version: two nodes, or a sign-off and the live room, may sync at once. */
async function lockNotes(tx: Queryable, where: VersionRef): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`notes:${where.versionId}`}, 0))`);
}

/**
 * Names come from the server's record of each author id, never from the annotation; an author
 * who no longer exists (or never did) is kept by the stored name only.
 */
async function withKnownAuthors(tx: Queryable, rows: NoteInput[]): Promise<NoteInput[]> {
  const resolverOf = (n: NoteInput) => {
    const id = (n.data as { resolvedById?: unknown } | undefined)?.resolvedById;
    return typeof id === "string" && UUID.test(id) ? id : null;
  };
  const ids = [
    ...new Set(rows.flatMap((n) => [n.authorId, resolverOf(n)].filter((id): id is string => !!id))),
  ];
  if (ids.length === 0) return rows;
  const names = new Map(
    (await tx.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, ids))).map(
      (u) => [u.id, u.name],
    ),
  );
  return rows.map((n) => {
    const author = n.authorId ? names.get(n.authorId) : undefined;
    const resolver = resolverOf(n);
    const resolvedBy = resolver ? names.get(resolver) : undefined;
    return {
      ...n,
      authorId: author === undefined ? null : n.authorId,
      authorName: author ?? n.authorName,
      ...(resolvedBy !== undefined ? { data: { ...n.data, resolvedBy } } : {}),
    };
  });
}

async function writeNotes(
  tx: Queryable,
  where: VersionRef,
  upsert: NoteInput[],
  gone: string[],
): Promise<void> {
  for (let i = 0; i < upsert.length; i += 500) {
    await tx
      .insert(notes)
      .values(upsert.slice(i, i + 500))
      .onConflictDoUpdate({
        target: [notes.versionId, notes.id],
        set: {
          kind: sql`excluded.kind`,
          frameNumber: sql`excluded.frame_number`,
          authorId: sql`excluded.author_id`,
          authorName: sql`excluded.author_name`,
          text: sql`excluded.text`,
          parentId: sql`excluded.parent_id`,
          mentions: sql`excluded.mentions`,
          resolved: sql`excluded.resolved`,
          data: sql`excluded.data`,
          createdAt: sql`excluded.created_at`,
          updatedAt: sql`now()`,
        },
      });
  }
  for (let i = 0; i < gone.length; i += 500) {
    await tx
      .delete(notes)
      .where(
        and(
          eq(notes.showId, where.showId),
          eq(notes.versionId, where.versionId),
          inArray(notes.id, gone.slice(i, i + 500)),
        ),
      );
  }
}

/**
 * Materialises a live version document (the room's copy) into `notes`, under row-level
 * security: only the ids in `changed` when the room knows them, else a full comparison.
 */
export function materialiseNotes(
  db: Database,
  where: VersionRef,
  doc: Y.Doc,
  changed: ReadonlySet<string> | null = null,
): Promise<SyncResult> {
  if (changed === null) {
    const revisions = noteRevisions(doc);
    return inScope(db, { showId: where.showId, userId: null }, (tx) =>
      catchUpNotes(tx, where, doc, revisions),
    );
  }
  const { rows, gone } = notesForIds(doc, where, changed);
  if (rows.length === 0 && gone.length === 0) return Promise.resolve({ upserted: 0, deleted: 0 });
  return inScope(db, { showId: where.showId, userId: null }, async (tx) => {
    await lockNotes(tx, where);
    await writeNotes(tx, where, await withKnownAuthors(tx, rows), gone);
    return { upserted: rows.length, deleted: gone.length };
  });
}

/**
 * A note's revision, cheap to compare: any change made through the board moves one of these
 * (a move sets `updatedAt`, a resolve/reopen is a newer resolution). Reading it from 10,000 rows
 * costs no jsonb decoding of the drawings themselves.
 */
function revision(kind: string, createdAt: Date, updatedAt: unknown, resolved: boolean, resolvedAt: unknown) {
  const part = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  return `${kind}|${createdAt.getTime()}|${part(updatedAt)}|${resolved}|${part(resolvedAt)}`;
}

/** The revision of every note the document holds, by id. */
export function noteRevisions(doc: Y.Doc): Map<string, string> {
  const all: Annotation[] = [];
  for (const [id, a] of annotationsOf(doc).entries())
    if (isEntry(id, a) && (NOTE_KINDS.has(a.kind) || a.kind === "resolution")) all.push(a);
  const threads = threadsOf(all.filter((a) => a.kind === "comment" || a.kind === "resolution"));
  const out = new Map<string, string>();
  for (const a of all) {
    if (a.kind === "resolution") continue;
    const t = a.kind === "comment" ? threads.get(a.id) : undefined;
    out.set(
      a.id,
      revision(a.kind, time(a.createdAt), a.updatedAt, t?.resolved ?? false, t?.lastResolution?.createdAt),
    );
  }
  return out;
}

/**
 * The live room's catch-up when it cannot tell what changed (first sync after it opened, or
 * after a failed run): compares revisions, then writes only the notes that differ. The exact,
 * content-level comparison is `syncNotes` (what a sign-off relies on).
 */
async function catchUpNotes(
  tx: Queryable,
  where: VersionRef,
  doc: Y.Doc,
  revisions: Map<string, string>,
): Promise<SyncResult> {
  await lockNotes(tx, where);
  const existing = await tx
    .select({
      id: notes.id,
      kind: notes.kind,
      createdAt: notes.createdAt,
      resolved: notes.resolved,
      updatedAt: sql<string | null>`${notes.data}->>'updatedAt'`,
      resolvedAt: sql<string | null>`${notes.data}->>'resolvedAt'`,
    })
    .from(notes)
    .where(and(eq(notes.showId, where.showId), eq(notes.versionId, where.versionId)));
  const stored = new Map(
    existing.map((n) => [
      n.id,
      revision(n.kind, new Date(n.createdAt), n.updatedAt, n.resolved, n.resolvedAt),
    ]),
  );
  const differ = [...revisions].filter(([id, rev]) => stored.get(id) !== rev).map(([id]) => id);
  const { rows, gone } = notesForIds(doc, where, differ);
  const removed = [...gone, ...existing.filter((n) => !revisions.has(n.id)).map((n) => n.id)];
  await writeNotes(tx, where, await withKnownAuthors(tx, rows), removed);
  return { upserted: rows.length, deleted: removed.length };
}

/**
 * Brings `notes` up to date with everything persisted for the version (every update the server
 * acknowledged), inside the caller's transaction: a sign-off binds the notes hash to exactly
 * that, whether or not the live room has materialised its last changes yet. A version that was
 * never opened live has no document and keeps its rows.
 */
export async function refreshNotesFromStore(tx: Queryable, where: VersionRef): Promise<SyncResult | null> {
  const rows = await storedUpdates(tx, where.showId, docName("version", where.showId, where.versionId));
  if (rows.length === 0) return null;
  let doc = new Y.Doc();
  try {
    try {
      Y.transact(doc, () => {
        for (const update of rows) Y.applyUpdate(doc, update);
      });
    } catch (error) {
      if (!isTooDeep(error)) throw error;
      // Stored before the server checked annotations: read without what is nested too deep.
      doc.destroy();
      doc = new Y.Doc();
      Y.applyUpdate(doc, (await repairTooDeep(rows)).update);
    }
    return await syncNotes(tx, where, notesOfDoc(doc, where));
  } finally {
    doc.destroy();
  }
}

export type MyNote = {
  showSlug: string;
  showTitle: string;
  versionId: string;
  versionNumber: number;
  shotCode: string;
  /** A board whose playlist holds the version (the newest session), if any. */
  boardId: string | null;
  id: string;
  kind: string;
  frameNumber: number;
  authorName: string;
  text: string;
  parentId: string | null;
  resolved: boolean;
  createdAt: Date;
  /** Why it is in the list: it is on the user's own version, and/or it mentions them. */
  onMyVersion: boolean;
  mentionsMe: boolean;
};

export const MY_NOTES_LIMIT = 300;

/**
 * "My notes": every note on versions the user submitted, and every note that @mentions them,
 * newest first, across the shows where they hold a live membership. Each show is read in its
 * own transaction scoped to that show (row-level security), never across shows at once.
 */
export async function listMyNotes(
  db: Database,
  input: { userId: string; limit?: number; search?: string },
): Promise<MyNote[]> {
  const limit = Math.min(input.limit ?? MY_NOTES_LIMIT, MY_NOTES_LIMIT);
  const words = (input.search ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 8);
  const memberOf = await listMyShows(db, input.userId);
  const perShow = await Promise.all(
    memberOf.map((show) =>
      inScope(db, { showId: show.id, userId: input.userId }, async (tx) => {
        const onMine = eq(versions.submittedBy, input.userId);
        const mentionsMe = sql<boolean>`${notes.mentions} @> ${JSON.stringify([input.userId])}::jsonb`;
        const rows = await tx
          .select({
            versionId: notes.versionId,
            versionNumber: versions.number,
            shotCode: shots.code,
            id: notes.id,
            kind: notes.kind,
            frameNumber: notes.frameNumber,
            authorName: notes.authorName,
            text: notes.text,
            parentId: notes.parentId,
            resolved: notes.resolved,
            createdAt: notes.createdAt,
            onMyVersion: sql<boolean>`${versions.submittedBy} is not distinct from ${input.userId}::uuid`,
            mentionsMe,
          })
          .from(notes)
          .innerJoin(versions, and(eq(versions.id, notes.versionId), eq(versions.showId, show.id)))
          .innerJoin(shots, and(eq(shots.id, versions.shotId), eq(shots.showId, show.id)))
          .where(
            and(
              eq(notes.showId, show.id),
              or(onMine, mentionsMe),
              // Every word must appear in the note's text, its author or its shot code.
              ...words.map((w) => {
                const like = `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
                return or(ilike(notes.text, like), ilike(notes.authorName, like), ilike(shots.code, like));
              }),
            ),
          )
          .orderBy(desc(notes.createdAt), asc(notes.id))
          .limit(limit);
        const versionIds = [...new Set(rows.map((r) => r.versionId))];
        const boardOf = new Map<string, string>();
        if (versionIds.length > 0) {
          const placed = await tx
            .select({ versionId: boardItems.versionId, boardId: boards.id })
            .from(boardItems)
            .innerJoin(boards, and(eq(boards.id, boardItems.boardId), eq(boards.showId, show.id)))
            .where(and(eq(boardItems.showId, show.id), inArray(boardItems.versionId, versionIds)))
            .orderBy(desc(boards.sessionDate), asc(boards.id));
          for (const p of placed) if (!boardOf.has(p.versionId)) boardOf.set(p.versionId, p.boardId);
        }
        return rows.map(
          (r): MyNote => ({
            ...r,
            showSlug: show.slug,
            showTitle: show.title,
            boardId: boardOf.get(r.versionId) ?? null,
            onMyVersion: r.onMyVersion === true,
            mentionsMe: r.mentionsMe === true,
          }),
        );
      }),
    ),
  );
  return perShow
    .flat()
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1))
    .slice(0, limit);
}

export type BoardNotes = {
  board: { id: string; title: string; sessionDate: string };
  /** Names of the people the notes mention, by user id. */
  people: Record<string, string>;
  versions: {
    id: string;
    number: number;
    shotCode: string;
    frames: FrameInfo[];
    /** Oldest first. */
    notes: Note[];
  }[];
};

/**
 * A board's notes for export, version by version in playlist order. Each version's notes are
 * first brought up to date with everything persisted, so an export made right after a change
 * includes it.
 */
export async function boardNotes(
  tx: Queryable,
  where: { showId: string; boardId: string },
): Promise<BoardNotes> {
  const board = await getBoard(tx, where);
  const out: BoardNotes["versions"] = [];
  for (const v of board.playlist) {
    const ref = { showId: where.showId, versionId: v.id };
    await refreshNotesFromStore(tx, ref);
    const rows = await tx
      .select()
      .from(notes)
      .where(and(eq(notes.showId, where.showId), eq(notes.versionId, v.id)))
      .orderBy(asc(notes.frameNumber), asc(notes.createdAt), asc(notes.id));
    out.push({ id: v.id, number: v.number, shotCode: v.shot.code, frames: v.frames, notes: rows });
  }
  const mentioned = [...new Set(out.flatMap((v) => v.notes.flatMap((n) => n.mentions)))];
  const people: Record<string, string> = {};
  if (mentioned.length > 0)
    for (const u of await tx
      .select({ id: users.id, name: users.name })
      .from(users)
      .innerJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.showId, where.showId)))
      .where(inArray(users.id, mentioned)))
      people[u.id] = u.name;
  return {
    board: { id: board.id, title: board.title, sessionDate: board.sessionDate },
    people,
    versions: out,
  };
}
