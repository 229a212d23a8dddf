import { and, desc, eq, lt } from "drizzle-orm";
import type { Queryable } from "~/db/client";
import { auditEvents, users } from "~/db/schema";

export type AuditListItem = {
  id: number;
  seq: number;
  action: string;
  subject: string;
  actorName: string | null;
  payload: Record<string, unknown>;
  hash: string;
  createdAt: string;
};

/** One page of the show's audit events, newest first, for people reading the log. */
export async function listAuditPage(
  tx: Queryable,
  where: { showId: string; beforeSeq?: number; limit: number },
): Promise<{ events: AuditListItem[]; nextBeforeSeq: number | null }> {
  const rows = await tx
    .select({ event: auditEvents, actorName: users.name })
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.actorUserId))
    .where(
      and(
        eq(auditEvents.showId, where.showId),
        where.beforeSeq ? lt(auditEvents.seq, where.beforeSeq) : undefined,
      ),
    )
    .orderBy(desc(auditEvents.seq))
    .limit(where.limit + 1);
  const page = rows.slice(0, where.limit);
  return {
    events: page.map(({ event, actorName }) => ({
      id: event.id,
      seq: event.seq,
      action: event.action,
      subject: event.subject,
      actorName,
      payload: event.payload,
      hash: event.hash,
      createdAt: new Date(event.createdAt).toISOString(),
    })),
    nextBeforeSeq: rows.length > where.limit ? (page.at(-1)?.event.seq ?? null) : null,
  };
}
