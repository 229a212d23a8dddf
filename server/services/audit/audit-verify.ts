import type { Queryable } from "~/db/client";
import { listAudit } from "~/server/services/audit/audit";
import { type HashedAuditFields, verifyChain } from "~/server/services/audit/audit-hash";

export type AuditExportEvent = HashedAuditFields & { id: number; hash: string };

export type ChainReport =
  | { intact: true; count: number; headHash: string }
  | {
      intact: false;
      count: number;
      /** The seq where the chain breaks, the id of the row found there, and what is wrong. */
      broken: { seq: number; id: number | null; reason: string };
    };

/** verifyChain plus the row id of the first broken event, for people who must go and look at it. */
export function reportChain(events: AuditExportEvent[]): ChainReport {
  const verdict = verifyChain(events);
  if (verdict.intact) return verdict;
  const at = events.find((e) => e.seq === verdict.brokenAtSeq) ?? events[verdict.brokenAtSeq - 1] ?? null;
  return {
    intact: false,
    count: verdict.count,
    broken: { seq: verdict.brokenAtSeq, id: at?.id ?? null, reason: verdict.reason },
  };
}

export function describeReport(r: ChainReport): string {
  return r.intact
    ? `intact, ${r.count} events, head hash ${r.headHash}`
    : `BROKEN at event seq ${r.broken.seq}${r.broken.id !== null ? ` (id ${r.broken.id})` : ""}: ${r.broken.reason} (${r.count} events read)`;
}

/** The show's events as exported (JSON Lines) and verified: exactly the hashed fields plus id and hash. */
export async function exportEvents(tx: Queryable, where: { showId: string }): Promise<AuditExportEvent[]> {
  const rows = await listAudit(tx, where);
  return rows.map((r) => ({
    id: r.id,
    showId: r.showId,
    seq: r.seq,
    actorUserId: r.actorUserId,
    action: r.action,
    subject: r.subject,
    payload: r.payload,
    prevHash: r.prevHash,
    hash: r.hash,
    createdAt: r.createdAt,
  }));
}

export async function verifyShowChain(tx: Queryable, where: { showId: string }): Promise<ChainReport> {
  return reportChain(await exportEvents(tx, where));
}

export function toJsonLines(events: AuditExportEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join("");
}
