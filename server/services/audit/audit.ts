import { asc, desc, eq, sql } from "drizzle-orm";
import type { Queryable } from "~/db/client";
import { auditEvents } from "~/db/schema";
import { auditEventHash, GENESIS_HASH } from "~/server/services/audit/audit-hash";

export type AuditInput = {
  showId: string;
  actorUserId: string | null;
  action: string;
  subject: string;
  payload: Record<string, unknown>;
};

/**
 * Appends one event to the show's hash chain. Call it inside the transaction of the change it
 * records; the per-show advisory lock orders concurrent appends.
 */
export async function appendAudit(tx: Queryable, input: AuditInput) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`audit:${input.showId}`}, 0))`);
  const [last] = await tx
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(eq(auditEvents.showId, input.showId))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  const fields = {
    ...input,
    seq: (last?.seq ?? 0) + 1,
    prevHash: last?.hash ?? GENESIS_HASH,
    createdAt: new Date().toISOString(),
  };
  const [row] = await tx
    .insert(auditEvents)
    .values({ ...fields, hash: auditEventHash(fields) })
    .returning();
  return row!;
}

export async function listAudit(tx: Queryable, where: { showId: string }) {
  const rows = await tx
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.showId, where.showId))
    .orderBy(asc(auditEvents.seq));
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() }));
}
