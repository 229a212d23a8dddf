import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inScope } from "~/db/client";
import { appendAudit, listAudit } from "~/server/services/audit/audit";
import {
  auditEventHash,
  canonicalJson,
  GENESIS_HASH,
  type HashedAuditFields,
  sha256Hex,
  verifyChain,
} from "~/server/services/audit/audit-hash";
import { type Seeded, seededDatabase } from "~/testing/db";
import { sqlState } from "~/testing/failures";

type Event = HashedAuditFields & { hash: string };

const INSUFFICIENT_PRIVILEGE = "42501";

/** A well-formed chain of `n` events built the way appendAudit builds them. */
function chainOf(n: number, showId = randomUUID()): Event[] {
  const events: Event[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields: HashedAuditFields = {
      showId,
      seq,
      actorUserId: seq % 2 ? randomUUID() : null,
      action: seq === 1 ? "show.created" : "decision.approved",
      subject: `version:${randomUUID()}`,
      payload: { n: seq, nested: { b: [1, { y: 2, x: 1 }], a: 'é"\n' } },
      prevHash,
      createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
    };
    const hash = auditEventHash(fields);
    events.push({ ...fields, hash });
    prevHash = hash;
  }
  return events;
}

describe("canonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    const a = canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } });
    const b = canonicalJson({ a: { c: null, d: [3, { y: 2, z: 1 }] }, b: 1 });
    expect(a).toBe(b);
    expect(a).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it("drops undefined members, encodes undefined and null alone as null, escapes strings", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson(undefined)).toBe("null");
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson('quote " and \n newline')).toBe('"quote \\" and \\n newline"');
    expect(canonicalJson({ ü: "é", "a b": true })).toBe('{"a b":true,"ü":"é"}');
  });

  it("distinguishes values JSON distinguishes", () => {
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: "1" }));
    expect(canonicalJson({ a: [] })).not.toBe(canonicalJson({ a: {} }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });
});

describe("auditEventHash", () => {
  const base = chainOf(1)[0]!;

  it("is a sha256 hex digest of the canonical fields, independent of payload key order", () => {
    const { hash: _hash, ...fields } = base;
    expect(auditEventHash(fields)).toBe(base.hash);
    expect(base.hash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = { ...fields, payload: { nested: { a: 'é"\n', b: [1, { x: 1, y: 2 }] }, n: 1 } };
    expect(auditEventHash(reordered)).toBe(base.hash);
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it.each([
    ["showId", { showId: randomUUID() }],
    ["seq", { seq: 2 }],
    ["actorUserId", { actorUserId: randomUUID() }],
    ["action", { action: "decision.rejected" }],
    ["subject", { subject: "version:other" }],
    ["payload", { payload: { n: 2 } }],
    ["prevHash", { prevHash: "f".repeat(64) }],
    ["createdAt", { createdAt: "2030-01-01T00:00:00.000Z" }],
  ])("changes when %s changes", (_field, change) => {
    expect(auditEventHash({ ...base, ...change })).not.toBe(base.hash);
  });
});

describe("verifyChain", () => {
  it("accepts an empty chain at the genesis hash", () => {
    expect(verifyChain([])).toEqual({ intact: true, count: 0, headHash: GENESIS_HASH });
  });

  it("accepts an intact chain and reports its head", () => {
    const events = chainOf(5);
    expect(verifyChain(events)).toEqual({ intact: true, count: 5, headHash: events[4]!.hash });
  });

  it("detects a modified payload", () => {
    const events = chainOf(5);
    events[2] = { ...events[2]!, payload: { n: 3, nested: { a: "edited", b: [] } } };
    expect(verifyChain(events)).toMatchObject({
      intact: false,
      brokenAtSeq: 3,
      reason: expect.stringMatching(/altered/),
    });
  });

  it("detects a modified event whose hash was recomputed: the next link breaks", () => {
    const events = chainOf(5);
    const forged = { ...events[1]!, action: "decision.rejected" };
    events[1] = { ...forged, hash: auditEventHash(forged) };
    expect(verifyChain(events)).toMatchObject({
      intact: false,
      brokenAtSeq: 3,
      reason: expect.stringMatching(/does not link/),
    });
  });

  it("detects reordered events", () => {
    const events = chainOf(5);
    const swapped = [events[0]!, events[2]!, events[1]!, events[3]!, events[4]!];
    expect(verifyChain(swapped)).toMatchObject({
      intact: false,
      brokenAtSeq: 2,
      reason: expect.stringMatching(/missing or out of order/),
    });
  });

  it("detects a removed event, even when the survivors are renumbered", () => {
    const events = chainOf(5);
    const removed = events.filter((e) => e.seq !== 3);
    expect(verifyChain(removed)).toMatchObject({ intact: false, brokenAtSeq: 3 });
    const renumbered = removed.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(verifyChain(renumbered).intact).toBe(false);
    expect(verifyChain(events.slice(1))).toMatchObject({ intact: false, brokenAtSeq: 1 });
  });

  it("a truncated tail moves the head hash, so a recorded head exposes it", () => {
    const events = chainOf(5);
    const full = verifyChain(events);
    const truncated = verifyChain(events.slice(0, 4));
    expect(truncated.intact).toBe(true);
    expect(truncated.intact && full.intact && truncated.headHash !== full.headHash).toBe(true);
  });
});

describe("audit_events in the database", () => {
  let t: Seeded;
  let showId: string;
  let otherShowId: string;

  beforeAll(async () => {
    t = await seededDatabase();
    showId = t.seed.shows.moonfall!.id;
    otherShowId = t.seed.shows.tidewater!.id;
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const chain = (id: string) => inScope(t.db.db, { showId: id }, (tx) => listAudit(tx, { showId: id }));

  it("the seeded chains verify, one per show", async () => {
    for (const id of [showId, otherShowId]) {
      const events = await chain(id);
      expect(events.length).toBeGreaterThan(5);
      expect(events.every((e) => e.showId === id)).toBe(true);
      expect(verifyChain(events).intact).toBe(true);
    }
  });

  it("appendAudit extends the chain in seq order and the chain still verifies", async () => {
    const before = await chain(showId);
    const actor = t.seed.users.priya!;
    await inScope(t.db.db, { showId, userId: actor }, async (tx) => {
      await appendAudit(tx, {
        showId,
        actorUserId: actor,
        action: "test.first",
        subject: "show:x",
        payload: { k: 1 },
      });
      await appendAudit(tx, {
        showId,
        actorUserId: actor,
        action: "test.second",
        subject: "show:x",
        payload: { k: 2 },
      });
    });
    const after = await chain(showId);
    expect(after).toHaveLength(before.length + 2);
    const [first, second] = after.slice(-2);
    expect(first).toMatchObject({
      seq: before.length + 1,
      prevHash: before.at(-1)!.hash,
      action: "test.first",
    });
    expect(second).toMatchObject({ seq: before.length + 2, prevHash: first!.hash, action: "test.second" });
    expect(verifyChain(after)).toMatchObject({ intact: true, headHash: second!.hash });
  });

  it("concurrent appends to one show serialise into one unbroken chain", async () => {
    const before = await chain(showId);
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        inScope(t.db.db, { showId }, (tx) =>
          appendAudit(tx, {
            showId,
            actorUserId: null,
            action: "test.concurrent",
            subject: `n:${i}`,
            payload: { i },
          }),
        ),
      ),
    );
    const after = await chain(showId);
    expect(after).toHaveLength(before.length + 6);
    expect(verifyChain(after).intact).toBe(true);
  });

  it("the app role cannot UPDATE, DELETE or TRUNCATE audit events", async () => {
    const before = await chain(showId);
    const attempts = [
      sql`update audit_events set payload = '{"forged":true}'::jsonb where show_id = ${showId}`,
      sql`update audit_events set hash = prev_hash where seq = 1`,
      sql`delete from audit_events where show_id = ${showId}`,
      sql`delete from audit_events where seq = (select max(seq) from audit_events where show_id = ${showId})`,
      sql`truncate audit_events`,
    ];
    for (const statement of attempts) {
      // Each attempt in its own transaction: the failure rolls back only that one.
      expect(await sqlState(inScope(t.db.db, { showId }, (tx) => tx.execute(statement)))).toBe(
        INSUFFICIENT_PRIVILEGE,
      );
    }
    expect(await chain(showId)).toEqual(before);
    expect(verifyChain(before).intact).toBe(true);
  });

  it("a refused write inside a savepoint leaves the surrounding transaction usable", async () => {
    const before = await chain(showId);
    const appended = await inScope(t.db.db, { showId }, async (tx) => {
      const refused = tx.transaction((sp) =>
        sp.execute(sql`delete from audit_events where show_id = ${showId}`),
      );
      expect(await sqlState(refused)).toBe(INSUFFICIENT_PRIVILEGE);
      return appendAudit(tx, {
        showId,
        actorUserId: null,
        action: "test.after-refusal",
        subject: "s",
        payload: {},
      });
    });
    const after = await chain(showId);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ id: appended.id, action: "test.after-refusal" });
    expect(verifyChain(after).intact).toBe(true);
  });

  it("the app role cannot append to another show's chain or read it", async () => {
    const otherBefore = await chain(otherShowId);
    const cross = inScope(t.db.db, { showId }, (tx) =>
      appendAudit(tx, {
        showId: otherShowId,
        actorUserId: null,
        action: "test.cross",
        subject: "s",
        payload: {},
      }),
    );
    expect(await sqlState(cross)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await chain(otherShowId)).toEqual(otherBefore);
    const seen = await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId: otherShowId }));
    expect(seen).toEqual([]);
  });

  it("tampering by someone who bypasses the app role is caught by verifyChain", async () => {
    const rollback = new Error("rollback");
    let verdict: ReturnType<typeof verifyChain> | undefined;
    await expect(
      t.db.db.transaction(async (tx) => {
        // The database owner is not subject to the append-only trigger; the chain still tells.
        await tx.execute(sql`update audit_events set payload = '{"forged":true}'::jsonb
          where show_id = ${showId} and seq = 2`);
        verdict = verifyChain(await listAudit(tx, { showId }));
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(verdict).toMatchObject({ intact: false, brokenAtSeq: 2 });
    expect(verifyChain(await chain(showId)).intact).toBe(true);
  });
});
