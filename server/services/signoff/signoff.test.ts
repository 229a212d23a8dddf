import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inScope } from "~/db/client";
import {
  auditEvents,
  decisions,
  frames,
  notes,
  provenance,
  shots,
  shows,
  versionLikenesses,
  versions,
} from "~/db/schema";
import { createContextInner } from "~/server/context";
import { createCaller } from "~/server/root";
import { listAudit } from "~/server/services/audit/audit";
import { verifyChain } from "~/server/services/audit/audit-hash";
import { provenanceHash } from "~/server/services/signoff/signoff-snapshot";
import { type Seeded, seededDatabase } from "~/testing/db";
import { failure, sqlState } from "~/testing/failures";
import { addConsent, addLikenessUse, addMember, addTalent, setProvenance } from "~/testing/governance";

type Caller = ReturnType<typeof createCaller>;

const FROZEN = "55000";

describe("sign-off", () => {
  let t: Seeded;
  let showId: string;
  let versionIds: string[];
  let dana: Caller;
  let sam: Caller;
  let ari: Caller;
  let priya: Caller;
  let secondDirector: Caller;

  beforeAll(async () => {
    t = await seededDatabase();
    showId = t.seed.shows.moonfall!.id;
    versionIds = t.seed.shows.moonfall!.versionIds;
    dana = await t.as("dana");
    sam = await t.as("sam");
    ari = await t.as("ari");
    priya = await t.as("priya");
    const id = await addMember(t.db.db, { showId, name: "Second Director", role: "director" });
    secondDirector = createCaller(
      createContextInner({
        db: t.db.db,
        session: {
          user: { id, email: "second@shotboard.test", name: "Second Director", isStudioAdmin: false },
        },
      }),
    );
  });

  afterAll(async () => {
    await t?.dispose();
  });

  const versionRow = async (id: string) =>
    (await t.db.db.select().from(versions).where(eq(versions.id, id)))[0]!;
  const auditActions = async () =>
    (await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }))).map((e) => e.action);

  it("pending → recommended (supervisor) → approved (director), bound to frames, provenance, notes and consents", async () => {
    const versionId = versionIds[1]!;
    const talentId = await addTalent(t.db.db, { showId, name: "Mira Solis" });
    const consentId = await addConsent(t.db.db, { showId, talentId, reference: "SAG-2025-0042" });
    await addLikenessUse(t.db.db, { showId, versionId, talentId });
    await setProvenance(t.db.db, {
      showId,
      versionId,
      sourceType: "trainedAlgorithmicMedia",
      model: "dreamshaper",
      modelVersion: "8.1",
      provider: "in-house",
      prompt: "lantern over a bay at dusk",
    });

    expect(await failure(ari.version.recommend({ showId, versionId }))).toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/artist.*recommend/),
    });
    const recommended = await sam.version.recommend({ showId, versionId, expectedStatus: "pending_review" });
    expect(recommended.versionStatus).toBe("recommended");
    expect(await failure(sam.version.decide({ showId, versionId, kind: "approved" }))).toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/supervisor.*sign off/),
    });

    const result = await dana.version.decide({
      showId,
      versionId,
      kind: "approved",
      reason: "Lovely",
      expectedStatus: "recommended",
    });
    expect(result.versionStatus).toBe("approved");
    expect(result.shotStatus).toBe("approved");
    const v = await versionRow(versionId);
    expect(v.status).toBe("approved");
    expect(v.lockedAt).toBeInstanceOf(Date);
    expect(v.creditsLockedAt).toBeInstanceOf(Date);

    const frameShas = (
      await t.db.db
        .select()
        .from(frames)
        .where(eq(frames.versionId, versionId))
        .orderBy(asc(frames.frameNumber))
    ).map((f) => f.sha256);
    const [prov] = await t.db.db.select().from(provenance).where(eq(provenance.versionId, versionId));
    expect(result.decision).toMatchObject({
      kind: "approved",
      role: "director",
      reason: "Lovely",
      frameHashes: frameShas,
      provenanceHash: provenanceHash(prov!),
      consentIds: [consentId],
    });
    expect(result.decision.notesHash).toMatch(/^[0-9a-f]{64}$/);

    const state = await priya.version.signoff({ showId, versionId });
    expect(state.lastApproval).toMatchObject({
      by: "Dana Okafor",
      frameHashes: frameShas,
      provenanceHash: provenanceHash(prov!),
      inForce: true,
      consents: [{ id: consentId, talentName: "Mira Solis", reference: "SAG-2025-0042" }],
    });
    expect(state.drift).toEqual({ frames: false, provenance: false, notes: false });

    const actions = await auditActions();
    expect(actions).toEqual(expect.arrayContaining(["decision.recommended", "decision.approved"]));
    const events = await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
    const approvedEvent = events.find((e) => e.action === "decision.approved")!;
    expect(approvedEvent.payload).toMatchObject({
      decisionId: result.decision.id,
      frameHashes: frameShas,
      provenanceHash: provenanceHash(prov!),
      consentIds: [consentId],
      previousStatus: "recommended",
      gates: { likenessConsent: true, aiProvenance: true },
      credits: { locked: true },
    });
    // One approval, one event: the credit proposal and lock ride on it.
    expect(actions.filter((a) => a.startsWith("credits."))).toEqual([]);
  });

  it("refuses invalid transitions with the current state, and a stale view with a conflict", async () => {
    const versionId = versionIds[1]!; // approved above
    expect(await failure(dana.version.decide({ showId, versionId, kind: "rejected" }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(
        /cannot reject this version: it is now "approved" \(approved by Dana Okafor.*Reopen it first/,
      ),
    });
    expect(await failure(sam.version.recommend({ showId, versionId }))).toMatchObject({ code: "CONFLICT" });
    const other = versionIds[0]!;
    expect(
      await failure(
        dana.version.decide({ showId, versionId: other, kind: "approved", expectedStatus: "recommended" }),
      ),
    ).toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/changed while you were looking: it is now "pending review"/),
    });
    expect(await failure(dana.version.reopen({ showId, versionId: other, reason: "x" }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/Only a decided version can be reopened/),
    });
  });

  it("a request for changes needs a note; rejection and request for changes do not lock", async () => {
    const versionId = versionIds[0]!;
    expect(
      await failure(dana.version.decide({ showId, versionId, kind: "changes_requested", reason: " " })),
    ).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/say what needs to change/i) });
    const r = await dana.version.decide({
      showId,
      versionId,
      kind: "changes_requested",
      reason: "Warmer key light",
    });
    expect(r.versionStatus).toBe("changes_requested");
    expect((await versionRow(versionId)).lockedAt).toBeNull();
  });

  it("approved media, provenance and likenesses are frozen in the database, for the owner and the app role", async () => {
    const versionId = versionIds[1]!;
    const [f] = await t.db.db.select().from(frames).where(eq(frames.versionId, versionId)).limit(1);
    const db = t.db.db;
    const attempts = [
      () =>
        db
          .update(frames)
          .set({ sha256: "f".repeat(64) })
          .where(eq(frames.id, f!.id)),
      () => db.delete(frames).where(eq(frames.id, f!.id)),
      () =>
        db
          .insert(frames)
          .values({ showId, versionId, frameNumber: 5000, sha256: "e".repeat(64), width: 1, height: 1 }),
      () => db.update(provenance).set({ model: "other" }).where(eq(provenance.versionId, versionId)),
      () => db.delete(provenance).where(eq(provenance.versionId, versionId)),
      () => db.delete(versionLikenesses).where(eq(versionLikenesses.versionId, versionId)),
      () => db.delete(versions).where(eq(versions.id, versionId)),
      () =>
        db
          .update(versions)
          .set({ clipSha256: "d".repeat(64) })
          .where(eq(versions.id, versionId)),
    ];
    for (const attempt of attempts) expect(await sqlState(attempt())).toBe(FROZEN);
    expect(
      await sqlState(
        inScope(db, { showId }, (tx) => tx.update(frames).set({ width: 2 }).where(eq(frames.id, f!.id))),
      ),
    ).toBe(FROZEN);
    // Decisions are a record for the app role.
    expect(
      await sqlState(
        inScope(db, { showId }, (tx) =>
          tx.update(decisions).set({ reason: "forged" }).where(eq(decisions.versionId, versionId)),
        ),
      ),
    ).toBe("42501");
    const state = await dana.version.signoff({ showId, versionId });
    expect(state.drift).toEqual({ frames: false, provenance: false, notes: false });
  });

  it("reopen needs a reason, returns the version to review, unfreezes it and flags drift after edits", async () => {
    const versionId = versionIds[1]!;
    expect(await failure(sam.version.reopen({ showId, versionId, reason: "no" }))).toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await failure(dana.version.reopen({ showId, versionId, reason: "  " }))).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/say why you reopen/i),
    });
    const r = await dana.version.reopen({ showId, versionId, reason: "Client wants a warmer grade" });
    expect(r).toMatchObject({ versionStatus: "pending_review", shotStatus: "in_review" });
    const v = await versionRow(versionId);
    expect(v.lockedAt).toBeNull();
    expect(v.creditsLockedAt).toBeNull();
    const events = await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
    expect(events.at(-1)).toMatchObject({
      action: "decision.reopened",
      payload: { reason: "Client wants a warmer grade", previousStatus: "approved", creditsUnlocked: true },
    });

    await t.db.db.update(provenance).set({ seed: "1234" }).where(eq(provenance.versionId, versionId));
    const state = await dana.version.signoff({ showId, versionId });
    expect(state.lastApproval?.inForce).toBe(false);
    expect(state.drift).toEqual({ frames: false, provenance: true, notes: false });
  });

  it("hashes the notes only to compare them with an approval, and flags notes changed since", async () => {
    const neverApproved = await dana.version.signoff({ showId, versionId: versionIds[0]! });
    expect(neverApproved.lastApproval).toBeNull();
    expect(neverApproved.current.notesHash).toBeNull();
    expect(neverApproved.drift).toBeNull();

    const versionId = versionIds[1]!; // approved, then reopened above
    await t.db.db.insert(notes).values({
      showId,
      versionId,
      id: "late-note",
      kind: "comment",
      frameNumber: 1001,
      authorName: "Dana Okafor",
      text: "One more thing",
      createdAt: new Date(),
    });
    const state = await dana.version.signoff({ showId, versionId });
    expect(state.current.notesHash).toMatch(/^[0-9a-f]{64}$/);
    expect(state.drift).toMatchObject({ notes: true });
  });

  describe("gates", () => {
    it("refuses a likeness with no consent and says what to do; the refusal is audited", async () => {
      const versionId = versionIds[2]!;
      const talentId = await addTalent(t.db.db, { showId, name: "Jonah Pike" });
      await addLikenessUse(t.db.db, { showId, versionId, talentId });
      const refused = await failure(dana.version.decide({ showId, versionId, kind: "approved" }));
      expect(refused.code).toBe("FORBIDDEN");
      expect(refused.message).toMatch(
        /uses the likeness of Jonah Pike, who has no active consent for this show/,
      );
      expect(refused.message).toMatch(/Ask a producer to record \(or renew\) Jonah Pike's likeness consent/);
      expect((await versionRow(versionId)).status).toBe("pending_review");
      const events = await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
      expect(events.at(-1)).toMatchObject({
        action: "signoff.refused",
        subject: `version:${versionId}`,
        payload: { kind: "approved", refusals: [{ gate: "likenessConsent" }] },
      });
      const state = await dana.version.signoff({ showId, versionId });
      expect(state.blockers).toHaveLength(1);
      expect(state.likenesses).toEqual([{ talentName: "Jonah Pike", covered: false }]);

      // Expired, revoked and not-yet-valid consents do not cover it.
      await addConsent(t.db.db, { showId, talentId, fromDays: -60, toDays: -1 });
      await addConsent(t.db.db, { showId, talentId, revoked: true });
      await addConsent(t.db.db, { showId, talentId, fromDays: 5 });
      expect(await failure(dana.version.decide({ showId, versionId, kind: "approved" }))).toMatchObject({
        code: "FORBIDDEN",
        message: expect.stringMatching(/Jonah Pike/),
      });
      // Rejecting or requesting changes is never gated.
      await dana.version.decide({ showId, versionId, kind: "rejected", reason: "Wrong actor" });
      await dana.version.reopen({ showId, versionId, reason: "Consent is on its way" });
      const active = await addConsent(t.db.db, { showId, talentId, toDays: 30 });
      const ok = await dana.version.decide({ showId, versionId, kind: "approved" });
      expect(ok.decision.consentIds).toEqual([active]);
    });

    it("refuses AI-generated media whose provenance lacks source type, model or model version", async () => {
      const versionId = versionIds[3]!;
      await setProvenance(t.db.db, {
        showId,
        versionId,
        sourceType: "trainedAlgorithmicMedia",
        model: "flux",
      });
      expect(await failure(dana.version.decide({ showId, versionId, kind: "approved" }))).toMatchObject({
        code: "FORBIDDEN",
        message: expect.stringMatching(
          /media is AI-generated, but its provenance lacks the model version\. Fill in the provenance panel/,
        ),
      });
      await setProvenance(t.db.db, { showId, versionId, sourceType: null, model: null, modelVersion: null });
      await t.db.db.update(versions).set({ source: "pipeline" }).where(eq(versions.id, versionId));
      expect(await failure(dana.version.decide({ showId, versionId, kind: "approved" }))).toMatchObject({
        message: expect.stringMatching(
          /lacks the source type \(an IPTC AI type such as trainedAlgorithmicMedia\), model, model version/,
        ),
      });
      await setProvenance(t.db.db, {
        showId,
        versionId,
        sourceType: "compositeWithTrainedAlgorithmicMedia",
        model: "flux",
        modelVersion: "1.1-pro",
      });
      expect((await dana.version.decide({ showId, versionId, kind: "approved" })).versionStatus).toBe(
        "approved",
      );
    });

    it("gates are a producer's per-show setting, audited; switched off, they do not refuse", async () => {
      const versionId = versionIds[4]!;
      const talentId = await addTalent(t.db.db, { showId, name: "Uncleared Extra" });
      await addLikenessUse(t.db.db, { showId, versionId, talentId });
      expect(await failure(dana.show.setGates({ showId, gates: { likenessConsent: false } }))).toMatchObject({
        code: "FORBIDDEN",
      });
      expect(await priya.show.gates({ showId })).toMatchObject({
        gates: { likenessConsent: true, aiProvenance: true },
      });
      expect(await priya.show.setGates({ showId, gates: { likenessConsent: false } })).toEqual({
        likenessConsent: false,
        aiProvenance: true,
      });
      const events = await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
      expect(events.at(-1)).toMatchObject({
        action: "gates.changed",
        payload: { before: { likenessConsent: true }, after: { likenessConsent: false } },
      });
      const r = await dana.version.decide({ showId, versionId, kind: "approved" });
      expect(r.decision.consentIds).toEqual([]);
      await priya.show.setGates({ showId, gates: { likenessConsent: true } });
    });

    it("a locked show refuses every decision", async () => {
      await t.db.db.update(shows).set({ state: "locked" }).where(eq(shows.id, showId));
      try {
        expect(
          await failure(dana.version.decide({ showId, versionId: versionIds[5]!, kind: "approved" })),
        ).toMatchObject({
          code: "FORBIDDEN",
          message: expect.stringMatching(/show is locked/),
        });
        expect(await failure(sam.version.recommend({ showId, versionId: versionIds[5]! }))).toMatchObject({
          code: "FORBIDDEN",
          message: expect.stringMatching(/show is locked/),
        });
      } finally {
        await t.db.db.update(shows).set({ state: "active" }).where(eq(shows.id, showId));
      }
    });
  });

  it("another show's version answers like a missing one", async () => {
    const foreign = t.seed.shows.tidewater!.versionIds[0]!;
    const missing = "00000000-0000-4000-8000-000000000000";
    const a = await failure(dana.version.decide({ showId, versionId: foreign, kind: "approved" }));
    const b = await failure(dana.version.decide({ showId, versionId: missing, kind: "approved" }));
    expect(a).toEqual(b);
    expect(a.code).toBe("NOT_FOUND");
    expect(await failure(dana.version.signoff({ showId, versionId: foreign }))).toEqual(
      await failure(dana.version.signoff({ showId, versionId: missing })),
    );
  });

  it("two directors deciding at once: exactly one wins, every time; the loser sees the current state", async () => {
    const versionId = versionIds[5]!;
    const rounds = 25;
    for (let round = 0; round < rounds; round++) {
      const before = await versionRow(versionId);
      expect(before.status).toBe("pending_review");
      const outcomes = await Promise.allSettled([
        dana.version.decide({ showId, versionId, kind: "approved", expectedStatus: "pending_review" }),
        secondDirector.version.decide({
          showId,
          versionId,
          kind: "rejected",
          reason: `round ${round}`,
          expectedStatus: "pending_review",
        }),
        secondDirector.version.decide({
          showId,
          versionId,
          kind: "changes_requested",
          reason: "no expectation",
        }),
      ]);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(2);
      const status = (await versionRow(versionId)).status;
      for (const l of lost) {
        expect((l.reason as { code: string }).code).toBe("CONFLICT");
        expect((l.reason as Error).message).toContain(`it is now "${status.replace("_", " ")}"`);
      }
      const recorded = await t.db.db
        .select()
        .from(decisions)
        .where(and(eq(decisions.versionId, versionId), sql`${decisions.kind} <> 'reopened'`));
      expect(recorded).toHaveLength(round + 1);
      await dana.version.reopen({ showId, versionId, reason: `reset ${round}` });
    }
    const events = await inScope(t.db.db, { showId }, (tx) => listAudit(tx, { showId }));
    expect(verifyChain(events).intact).toBe(true);
    const shot = (await t.db.db.select().from(versions).where(eq(versions.id, versionId)))[0]!.shotId;
    expect((await t.db.db.select().from(shots).where(eq(shots.id, shot)))[0]!.status).toBe("in_review");
    expect(
      (
        await t.db.db
          .select()
          .from(auditEvents)
          .where(eq(auditEvents.subject, `version:${versionId}`))
      ).filter(
        (e) =>
          e.action === "decision.approved" ||
          e.action === "decision.rejected" ||
          e.action === "decision.changes_requested",
      ),
    ).toHaveLength(rounds);
  });
});
