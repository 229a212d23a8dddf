import { and, desc, eq, inArray } from "drizzle-orm";
import type { Transaction } from "~/db/client";
import {
  type DecisionKind,
  decisions,
  likenessConsents,
  type ShowRole,
  shows,
  talent,
  users,
  type VersionStatus,
  versions,
} from "~/db/schema";
import { AppError, notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";
import { proposeCredits } from "~/server/services/credits/credits";
import { refreshNotesFromStore } from "~/server/services/notes/notes";
import { refreshShotStatus } from "~/server/services/shows/shots";
import { assertShowWritable } from "~/server/services/shows/show-access";
import {
  type GateRefusal,
  type GateSettings,
  gateRefusals,
  gateSettingsOf,
  readGateSettings,
} from "~/server/services/signoff/gates";
import {
  currentNotesHash,
  takeSnapshot,
  takeSnapshotWithoutNotes,
} from "~/server/services/signoff/signoff-snapshot";

/** What each decision may follow, and the version status it leads to. */
export const WORKFLOW: Record<DecisionKind, { from: VersionStatus[]; to: VersionStatus }> = {
  recommended: { from: ["pending_review"], to: "recommended" },
  approved: { from: ["pending_review", "recommended"], to: "approved" },
  changes_requested: { from: ["pending_review", "recommended"], to: "changes_requested" },
  rejected: { from: ["pending_review", "recommended"], to: "rejected" },
  reopened: { from: ["approved", "changes_requested", "rejected"], to: "pending_review" },
};

const STATUS_LABEL: Record<VersionStatus, string> = {
  pending_review: "pending review",
  recommended: "recommended",
  approved: "approved",
  changes_requested: "changes requested",
  rejected: "rejected",
};

const VERB: Record<DecisionKind, string> = {
  recommended: "recommend",
  approved: "approve",
  changes_requested: "request changes on",
  rejected: "reject",
  reopened: "reopen",
};

/** A sign-off refused by a governance gate: carries every refusal so the UI can list them. */
export class GateRefusalError extends AppError {
  constructor(readonly refusals: GateRefusal[]) {
    super("FORBIDDEN", `Sign-off refused. ${refusals.map((r) => r.message).join(" Also: ")}`);
  }
}

export type TransitionInput = {
  showId: string;
  versionId: string;
  kind: DecisionKind;
  reason: string;
  userId: string;
  role: ShowRole;
  /** The status the decider saw; a decision on a version that changed meanwhile is refused. */
  expectedStatus?: VersionStatus;
};

function when(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

async function lastDecision(tx: Transaction, where: { showId: string; versionId: string }) {
  const [row] = await tx
    .select({ kind: decisions.kind, createdAt: decisions.createdAt, userName: users.name })
    .from(decisions)
    .innerJoin(users, eq(users.id, decisions.userId))
    .where(and(eq(decisions.showId, where.showId), eq(decisions.versionId, where.versionId)))
    .orderBy(desc(decisions.createdAt))
    .limit(1);
  return row ?? null;
}

/**
 * Moves a version through the sign-off workflow: checks the transition and the gates, records
 * the decision bound to its snapshot, updates the version (and its locks), the shot's status,
 * the credits and the audit chain, all in the caller's transaction. The version row is locked
 * first, so of two concurrent decisions exactly one wins; the other gets a CONFLICT naming the
 * current state.
 */
export async function transition(tx: Transaction, input: TransitionInput) {
  const [version] = await tx
    .select()
    .from(versions)
    .where(and(eq(versions.showId, input.showId), eq(versions.id, input.versionId)))
    .for("update");
  if (!version) throw notFound();
  const [show] = await tx
    .select({ state: shows.state, settings: shows.settings })
    .from(shows)
    .where(eq(shows.id, input.showId));
  if (!show) throw notFound();
  assertShowWritable(show.state);

  const rule = WORKFLOW[input.kind];
  const stale = input.expectedStatus !== undefined && input.expectedStatus !== version.status;
  if (stale || !rule.from.includes(version.status)) {
    const last = await lastDecision(tx, input);
    const now = `it is now "${STATUS_LABEL[version.status]}"${last ? ` (${last.kind.replace("_", " ")} by ${last.userName}, ${when(last.createdAt)})` : ""}`;
    throw new AppError(
      "CONFLICT",
      stale
        ? `This version changed while you were looking: ${now}. Review the current state before deciding again.`
        : input.kind === "reopened"
          ? `Only a decided version can be reopened: ${now}.`
          : `You cannot ${VERB[input.kind]} this version: ${now}.${version.status === "approved" ? " Reopen it first (with a reason) if it needs another decision." : ""}`,
    );
  }
  const reason = input.reason.trim();
  if (input.kind === "changes_requested" && !reason) {
    throw new AppError(
      "BAD_REQUEST",
      "Say what needs to change: a request for changes needs a note for the artist.",
    );
  }
  if (input.kind === "reopened" && !reason) {
    throw new AppError(
      "BAD_REQUEST",
      "Say why you reopen this approval: the reason is recorded with the decision and in the audit log.",
    );
  }

  // The notes hash binds every note the server acknowledged, even one the live room has not
  // materialised yet (that happens a moment after it is persisted).
  await refreshNotesFromStore(tx, { showId: input.showId, versionId: input.versionId });
  const snapshot = await takeSnapshot(tx, input, { clipSha256: version.clipSha256 });
  let gates: GateSettings | undefined;
  if (input.kind === "approved") {
    gates = gateSettingsOf(show.settings);
    const refusals = gateRefusals({
      settings: gates,
      likenesses: snapshot.likenesses,
      provenance: snapshot.provenance,
      versionSource: version.source,
    });
    if (refusals.length > 0) throw new GateRefusalError(refusals);
  }

  const [decision] = await tx
    .insert(decisions)
    .values({
      showId: input.showId,
      versionId: input.versionId,
      kind: input.kind,
      userId: input.userId,
      role: input.role,
      reason,
      frameHashes: snapshot.frameHashes,
      provenanceHash: snapshot.provenanceHash,
      notesHash: snapshot.notesHash,
      consentIds: snapshot.consentIds,
    })
    .returning();
  const shotId = version.shotId;
  // Credits lock together with the sign-off (proposed from the data first when the version has
  // none) and open again when the approval is withdrawn; the decision's event records both.
  const lockCreditsNow = input.kind === "approved" && !version.creditsLockedAt;
  const unlockCreditsNow = input.kind === "reopened" && !!version.creditsLockedAt;
  const proposed = lockCreditsNow
    ? await proposeCredits(
        tx,
        { ...input, trigger: "sign-off", audit: false },
        {
          shotId,
          source: version.source,
          submittedBy: version.submittedBy,
          provenance: snapshot.provenance,
          likenesses: snapshot.likenesses,
        },
      )
    : [];
  const now = new Date();
  await tx
    .update(versions)
    .set({
      status: rule.to,
      ...(input.kind === "approved" ? { lockedAt: now } : {}),
      ...(input.kind === "reopened" ? { lockedAt: null } : {}),
      ...(lockCreditsNow ? { creditsLockedAt: now } : {}),
      ...(unlockCreditsNow ? { creditsLockedAt: null } : {}),
    })
    .where(and(eq(versions.showId, input.showId), eq(versions.id, input.versionId)));
  const shotStatus = await refreshShotStatus(tx, { showId: input.showId, shotId });
  const credits = lockCreditsNow
    ? {
        proposed: proposed.map((c) => ({ id: c.id, name: c.contributorName, class: c.contributionClass })),
        locked: true,
      }
    : undefined;
  const creditsUnlocked = unlockCreditsNow;

  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: `decision.${input.kind}`,
    subject: `version:${input.versionId}`,
    payload: {
      decisionId: decision!.id,
      role: input.role,
      reason,
      previousStatus: version.status,
      status: rule.to,
      frameHashes: snapshot.frameHashes,
      provenanceHash: snapshot.provenanceHash,
      notesHash: snapshot.notesHash,
      consentIds: snapshot.consentIds,
      ...(gates ? { gates } : {}),
      ...(credits ? { credits } : {}),
      ...(creditsUnlocked ? { creditsUnlocked } : {}),
    },
  });
  return { decision: decision!, versionStatus: rule.to, shotStatus };
}

export type ConsentInfo = {
  id: string;
  talentName: string;
  scope: string;
  reference: string;
  validFrom: string;
  validTo: string | null;
  revokedAt: Date | null;
};

async function consentInfo(
  tx: Transaction,
  where: { showId: string; ids: string[] },
): Promise<ConsentInfo[]> {
  if (where.ids.length === 0) return [];
  return tx
    .select({
      id: likenessConsents.id,
      talentName: talent.name,
      scope: likenessConsents.scope,
      reference: likenessConsents.reference,
      validFrom: likenessConsents.validFrom,
      validTo: likenessConsents.validTo,
      revokedAt: likenessConsents.revokedAt,
    })
    .from(likenessConsents)
    .innerJoin(talent, eq(talent.id, likenessConsents.talentId))
    .where(and(eq(likenessConsents.showId, where.showId), inArray(likenessConsents.id, where.ids)))
    .orderBy(talent.name);
}

/**
 * Everything the sign-off panel shows: status, locks, gates and what would block an approval
 * now, the last approval's binding ("what was approved") and whether anything drifted since.
 */
export async function signoffState(tx: Transaction, where: { showId: string; versionId: string }) {
  const [version] = await tx
    .select()
    .from(versions)
    .where(and(eq(versions.showId, where.showId), eq(versions.id, where.versionId)));
  if (!version) throw notFound();
  const gates = await readGateSettings(tx, where);
  const current = await takeSnapshotWithoutNotes(tx, where, version);
  const blockers = gateRefusals({
    settings: gates,
    likenesses: current.likenesses,
    provenance: current.provenance,
    versionSource: version.source,
  });
  const [approval] = await tx
    .select({ decision: decisions, userName: users.name })
    .from(decisions)
    .innerJoin(users, eq(users.id, decisions.userId))
    .where(
      and(
        eq(decisions.showId, where.showId),
        eq(decisions.versionId, where.versionId),
        eq(decisions.kind, "approved"),
      ),
    )
    .orderBy(desc(decisions.createdAt))
    .limit(1);
  const last = await lastDecision(tx, where);
  // Only an approval to compare with needs the notes hashed (the board asks for this state on
  // every version it opens).
  const notesHashNow = approval ? await currentNotesHash(tx, where) : null;
  const lastApproval = approval
    ? {
        decisionId: approval.decision.id,
        by: approval.userName,
        role: approval.decision.role,
        at: approval.decision.createdAt,
        reason: approval.decision.reason,
        frameHashes: approval.decision.frameHashes,
        provenanceHash: approval.decision.provenanceHash,
        notesHash: approval.decision.notesHash,
        consents: await consentInfo(tx, { showId: where.showId, ids: approval.decision.consentIds }),
        /** Still in force (not reopened since). */
        inForce: version.status === "approved",
      }
    : null;
  const drift = lastApproval
    ? {
        frames:
          lastApproval.frameHashes.length !== current.frameHashes.length ||
          lastApproval.frameHashes.some((h, i) => h !== current.frameHashes[i]),
        provenance: lastApproval.provenanceHash !== current.provenanceHash,
        notes: lastApproval.notesHash !== notesHashNow,
      }
    : null;
  return {
    versionId: version.id,
    status: version.status,
    lockedAt: version.lockedAt,
    creditsLockedAt: version.creditsLockedAt,
    gates,
    blockers,
    likenesses: current.likenesses.map((l) => ({
      talentName: l.talentName,
      covered: l.activeConsentIds.length > 0,
    })),
    current: {
      frameHashes: current.frameHashes,
      provenanceHash: current.provenanceHash,
      notesHash: notesHashNow,
    },
    lastDecision: last,
    lastApproval,
    drift,
  };
}

export type SignoffState = Awaited<ReturnType<typeof signoffState>>;
