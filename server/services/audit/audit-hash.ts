import { createHash } from "node:crypto";

/** Pure hashing of audit events; shared by the app, `audit:verify`, and the offline verifier. */
export const GENESIS_HASH = "0".repeat(64);

export type HashedAuditFields = {
  showId: string;
  seq: number;
  actorUserId: string | null;
  action: string;
  subject: string;
  payload: unknown;
  prevHash: string;
  createdAt: string;
};

/** JSON with object keys sorted at every depth: one byte sequence per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function auditEventHash(e: HashedAuditFields): string {
  return sha256Hex(
    canonicalJson({
      showId: e.showId,
      seq: e.seq,
      actorUserId: e.actorUserId,
      action: e.action,
      subject: e.subject,
      payload: e.payload,
      prevHash: e.prevHash,
      createdAt: e.createdAt,
    }),
  );
}

export type ChainVerdict =
  | { intact: true; count: number; headHash: string }
  | { intact: false; count: number; brokenAtSeq: number; reason: string };

/** Walks events in seq order and names the first one whose link or hash does not hold. */
export function verifyChain(events: HashedAuditFields[] & { hash?: string }[]): ChainVerdict {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const e of events as (HashedAuditFields & { hash: string })[]) {
    if (e.seq !== expectedSeq) {
      return {
        intact: false,
        count: events.length,
        brokenAtSeq: expectedSeq,
        reason: `event #${expectedSeq} is missing or out of order (found #${e.seq})`,
      };
    }
    if (e.prevHash !== prev) {
      return {
        intact: false,
        count: events.length,
        brokenAtSeq: e.seq,
        reason: `event #${e.seq} does not link to the event before it`,
      };
    }
    if (auditEventHash(e) !== e.hash) {
      return {
        intact: false,
        count: events.length,
        brokenAtSeq: e.seq,
        reason: `event #${e.seq} was altered: its content no longer matches its hash`,
      };
    }
    prev = e.hash;
    expectedSeq++;
  }
  return { intact: true, count: events.length, headHash: prev };
}
