import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import * as Y from "yjs";
import { type Database, inScope, type Queryable } from "~/db/client";
import { APP_ROLE, yjsUpdates } from "~/db/schema";
import { repairTooDeep } from "~/server/realtime/guard/deep-repair";

export type DocStore = {
  load(showId: string, docName: string): Promise<{ update: Uint8Array | null; rows: number }>;
  append(showId: string, docName: string, update: Uint8Array): Promise<void>;
  /**
   * Replaces the document's rows by one. `whole`, when given, returns the document as the caller
   * holds it, known to contain every stored row (see Room): no rebuild from the rows.
   */
  compact(showId: string, docName: string, whole?: () => Uint8Array): Promise<number>;
  /**
   * For a document too deep to decode on this stack (stored before the server checked
   * annotations): replaces its rows by one without the values nested too deep, and returns it.
   */
  repairTooDeep(showId: string, docName: string): Promise<Uint8Array>;
};

/**
 * Yjs updates in PostgreSQL. Updates commute, so compaction may replace any set of rows by
 * their merge: it rebuilds the document from the rows it read, deletes exactly those rows and
 * inserts the result, under a per-document lock so two nodes never compact the same rows.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DOC_NAME = /^[a-z0-9/-]{1,200}$/;

/**
 * The append of every accepted batch, in one round trip: a transaction that switches to the
 * app role with the show set (row-level security applies as everywhere else) and inserts.
 * Values are validated, so the literal SQL text cannot be steered.
 */
export function appendSql(showId: string, docName: string, update: Uint8Array): string {
  if (!UUID.test(showId) || !DOC_NAME.test(docName)) throw new Error("invalid document reference");
  const hex = Buffer.from(update.buffer, update.byteOffset, update.byteLength).toString("hex");
  return [
    "begin",
    `select set_config('app.show_id', '${showId}', true), set_config('app.user_id', '', true)`,
    `set local role ${APP_ROLE}`,
    // Visible at once and safe against an app crash; only a crash of PostgreSQL itself within its
    // WAL writer delay could lose it, and every client that received it re-sends it on reconnect.
    "set local synchronous_commit = off",
    `insert into yjs_updates (show_id, doc_name, update) values ('${showId}', '${docName}', '\\x${hex}'::bytea)`,
    "commit",
  ].join(";\n");
}

/** A document's stored updates, oldest first, read inside the caller's scoped transaction. */
export async function storedUpdates(tx: Queryable, showId: string, docName: string): Promise<Uint8Array[]> {
  const rows = await tx
    .select({ update: yjsUpdates.update })
    .from(yjsUpdates)
    .where(and(eq(yjsUpdates.showId, showId), eq(yjsUpdates.docName, docName)))
    .orderBy(asc(yjsUpdates.id));
  return rows.map((r) => r.update);
}

export function postgresDocStore(db: Database, exec?: (text: string) => Promise<void>): DocStore {
  const scope = (showId: string) => ({ showId, userId: null });
  return {
    async load(showId, docName) {
      const rows = await inScope(db, scope(showId), (tx) => storedUpdates(tx, showId, docName));
      if (rows.length === 0) return { update: null, rows: 0 };
      if (rows.length === 1) return { update: rows[0]!, rows: 1 };
      return { update: Y.mergeUpdates(rows), rows: rows.length };
    },

    async append(showId, docName, update) {
      if (exec) {
        await exec(appendSql(showId, docName, update));
        return;
      }
      await inScope(db, scope(showId), async (tx) => {
        await tx.execute(sql`set local synchronous_commit = off`);
        await tx.insert(yjsUpdates).values({ showId, docName, update });
      });
    },

    async compact(showId, docName, whole) {
      return inScope(db, scope(showId), async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`yjs:${docName}`}, 0))`);
        const rows = await tx
          .select({ id: yjsUpdates.id, update: yjsUpdates.update })
          .from(yjsUpdates)
          .where(and(eq(yjsUpdates.showId, showId), eq(yjsUpdates.docName, docName)))
          .orderBy(asc(yjsUpdates.id));
        // A given document replaces even a single row (a repaired one must replace what it repairs).
        if (rows.length === 0 || (rows.length < 2 && !whole)) return rows.length;
        let merged: Uint8Array;
        if (whole) merged = whole();
        else {
          const doc = new Y.Doc();
          Y.transact(doc, () => {
            for (const r of rows) Y.applyUpdate(doc, r.update);
          });
          merged = Y.encodeStateAsUpdate(doc);
          doc.destroy();
        }
        const ids = rows.map((r) => r.id);
        await tx
          .delete(yjsUpdates)
          .where(
            and(
              eq(yjsUpdates.showId, showId),
              eq(yjsUpdates.docName, docName),
              lte(yjsUpdates.id, ids.at(-1)!),
              inArray(yjsUpdates.id, ids),
            ),
          );
        await tx.insert(yjsUpdates).values({ showId, docName, update: merged });
        return 1;
      });
    },

    async repairTooDeep(showId, docName) {
      return inScope(db, scope(showId), async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`yjs:${docName}`}, 0))`);
        const where = and(eq(yjsUpdates.showId, showId), eq(yjsUpdates.docName, docName));
        const rows = await tx.select({ update: yjsUpdates.update }).from(yjsUpdates).where(where);
        const { update } = await repairTooDeep(rows.map((r) => r.update));
        await tx.delete(yjsUpdates).where(where);
        await tx.insert(yjsUpdates).values({ showId, docName, update });
        return update;
      });
    },
  };
}
