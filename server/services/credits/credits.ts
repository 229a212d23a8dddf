import { and, asc, desc, eq, inArray, isNotNull } from "drizzle-orm";
import type { Queryable } from "~/db/client";
import {
  type ContributionClass,
  type Credit,
  credits,
  decisions,
  type Guild,
  memberships,
  notes,
  type Provenance,
  type ShowRole,
  shots,
  talent,
  users,
  versions,
} from "~/db/schema";
import { AppError, notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";
import {
  FULLY_GENERATED_SOURCE_TYPES,
  isAiSourceType,
  type LikenessUse,
  likenessUses,
  loadProvenance,
  looksAiGenerated,
} from "~/server/services/signoff/gates";

export const DEPARTMENT_OF_ROLE: Record<ShowRole, string> = {
  director: "Direction",
  supervisor: "Supervision",
  artist: "Art",
  producer: "Production",
  reviewer: "Review",
};

export type CreditInput = {
  contributorKind: Credit["contributorKind"];
  userId?: string | null;
  talentId?: string | null;
  contributorName: string;
  department: string;
  contributionClass: ContributionClass;
  guild: Guild;
  notes: string;
};

type VersionRef = {
  id: string;
  shotId: string;
  number: number;
  code: string;
  status: string;
  source: string;
  submittedBy: string | null;
  creditsLockedAt: Date | null;
};

async function loadVersion(
  tx: Queryable,
  where: { showId: string; versionId: string },
  lock = false,
): Promise<VersionRef> {
  const q = tx
    .select({
      id: versions.id,
      shotId: versions.shotId,
      number: versions.number,
      code: shots.code,
      status: versions.status,
      source: versions.source,
      submittedBy: versions.submittedBy,
      creditsLockedAt: versions.creditsLockedAt,
    })
    .from(versions)
    .innerJoin(shots, eq(shots.id, versions.shotId))
    .where(and(eq(versions.showId, where.showId), eq(versions.id, where.versionId)));
  const [row] = lock ? await q.for("update", { of: versions }) : await q;
  if (!row) throw notFound();
  return row;
}

function refuseIfLocked(v: VersionRef) {
  if (v.creditsLockedAt) {
    throw new AppError(
      "CONFLICT",
      `Credits for ${v.code} v${v.number} are locked with the sign-off. A producer can unlock them (with a reason, recorded in the audit log) to edit them.`,
    );
  }
}

function identity(c: {
  contributorKind: string;
  userId?: string | null;
  talentId?: string | null;
  contributorName: string;
}) {
  return `${c.contributorKind}:${c.userId ?? c.talentId ?? c.contributorName.trim().toLowerCase()}`;
}

/** What a caller that already loaded the version (the sign-off) can hand over, to save queries. */
export type KnownVersionData = {
  source: string;
  submittedBy: string | null;
  provenance: Provenance | null;
  likenesses: LikenessUse[];
};

/** What the data says about who and what made a version: uploader, models, likenesses, reviewers. */
export async function proposalsFor(
  tx: Queryable,
  where: { showId: string; versionId: string },
  known?: KnownVersionData,
): Promise<CreditInput[]> {
  const v = known ?? (await loadVersion(tx, where));
  const prov = known ? known.provenance : await loadProvenance(tx, where);
  const likenesses = known ? known.likenesses : await likenessUses(tx, where);
  const ai = looksAiGenerated(prov, v.source);
  const fully =
    ai &&
    (!isAiSourceType(prov?.sourceType) ||
      (FULLY_GENERATED_SOURCE_TYPES as readonly string[]).includes(prov?.sourceType ?? ""));
  const annotators = await tx
    .selectDistinct({ userId: notes.authorId })
    .from(notes)
    .where(
      and(eq(notes.showId, where.showId), eq(notes.versionId, where.versionId), isNotNull(notes.authorId)),
    );
  const deciders = await tx
    .selectDistinct({ userId: decisions.userId, kind: decisions.kind })
    .from(decisions)
    .where(and(eq(decisions.showId, where.showId), eq(decisions.versionId, where.versionId)));
  const people: { userId: string; cls: ContributionClass; note: string }[] = [];
  if (v.submittedBy) {
    people.push({
      userId: v.submittedBy,
      cls: !ai ? "human_authored" : fully ? "ai_assisted" : "human_edited_ai",
      note: ai ? "Generated and submitted the version" : "Made and submitted the version",
    });
  }
  for (const d of deciders) {
    if (d.kind === "reopened") continue;
    people.push({
      userId: d.userId,
      cls: "human_authored",
      note: d.kind === "recommended" ? "Supervisor check" : "Sign-off",
    });
  }
  for (const a of annotators)
    if (a.userId) people.push({ userId: a.userId, cls: "human_authored", note: "Review notes" });
  const ids = [...new Set(people.map((p) => p.userId))];
  const known_ = ids.length
    ? await tx
        .select({ id: users.id, name: users.name, role: memberships.role })
        .from(users)
        .leftJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.showId, where.showId)))
        .where(inArray(users.id, ids))
    : [];
  const byId = new Map(known_.map((u) => [u.id, u]));
  const credit = (p: (typeof people)[number]): CreditInput | null => {
    const u = byId.get(p.userId);
    if (!u) return null;
    return {
      contributorKind: "user",
      userId: p.userId,
      contributorName: u.name,
      department: u.role ? DEPARTMENT_OF_ROLE[u.role] : "Art",
      contributionClass: p.cls,
      guild: "none",
      notes: p.note,
    };
  };

  const out: (CreditInput | null)[] = [];
  if (v.submittedBy) out.push(credit(people[0]!));
  if (ai && (prov?.model || prov?.modelVersion)) {
    const name = `${prov.model ?? "unknown model"}${prov.modelVersion ? `@${prov.modelVersion}` : ""}${prov.provider ? ` (${prov.provider})` : ""}`;
    out.push({
      contributorKind: "tool",
      contributorName: name,
      department: "Generation",
      contributionClass: fully ? "ai_generated" : "ai_assisted",
      guild: "none",
      notes: prov.sourceType ? `Digital source type: ${prov.sourceType}` : "",
    });
  }
  for (const l of likenesses) {
    out.push({
      contributorKind: "talent",
      talentId: l.talentId,
      contributorName: l.talentName,
      department: "Likeness",
      contributionClass: ai ? "ai_generated" : "human_authored",
      guild: l.guild as Guild,
      notes: ai ? "Likeness used in generated media" : "Likeness used",
    });
  }
  for (const p of people.slice(v.submittedBy ? 1 : 0)) out.push(credit(p));
  const unique = new Map<string, CreditInput>();
  for (const c of out) if (c && !unique.has(identity(c))) unique.set(identity(c), c);
  return [...unique.values()];
}

/** Adds the proposals that are not on the version yet (origin "proposed"); audited. */
export async function proposeCredits(
  tx: Queryable,
  input: { showId: string; versionId: string; userId: string | null; trigger?: string; audit?: boolean },
  /** The sign-off passes the version it already holds locked, and what it already read. */
  known?: KnownVersionData & { shotId: string },
): Promise<Credit[]> {
  const v = known ? { id: input.versionId, shotId: known.shotId } : await loadVersion(tx, input, true);
  if (!known) refuseIfLocked(v as VersionRef);
  const existing = await tx
    .select()
    .from(credits)
    .where(and(eq(credits.showId, input.showId), eq(credits.versionId, input.versionId)));
  const have = new Set(existing.map(identity));
  const fresh = (await proposalsFor(tx, input, known)).filter((c) => !have.has(identity(c)));
  if (fresh.length === 0) return [];
  const rows = await tx
    .insert(credits)
    .values(
      fresh.map((c) => ({
        ...c,
        showId: input.showId,
        shotId: v.shotId,
        versionId: v.id,
        origin: "proposed",
      })),
    )
    .returning();
  if (input.audit === false) return rows;
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "credits.proposed",
    subject: `version:${v.id}`,
    payload: {
      trigger: input.trigger ?? "producer",
      credits: rows.map((r) => ({ id: r.id, name: r.contributorName, class: r.contributionClass })),
    },
  });
  return rows;
}

function auditView(c: Credit) {
  return {
    contributorKind: c.contributorKind,
    userId: c.userId,
    talentId: c.talentId,
    contributorName: c.contributorName,
    department: c.department,
    contributionClass: c.contributionClass,
    guild: c.guild,
    notes: c.notes,
    origin: c.origin,
  };
}

async function validateContributor(tx: Queryable, showId: string, c: Partial<CreditInput>) {
  if (c.userId) {
    const [m] = await tx
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.showId, showId), eq(memberships.userId, c.userId)));
    if (!m)
      throw new AppError(
        "BAD_REQUEST",
        "That person is not a member of this show. Pick a show member, or credit them by name.",
      );
  }
  if (c.talentId) {
    const [t] = await tx
      .select({ id: talent.id })
      .from(talent)
      .where(and(eq(talent.showId, showId), eq(talent.id, c.talentId)));
    if (!t)
      throw new AppError(
        "BAD_REQUEST",
        "That talent is not in this show's registry. Add them to the talent registry first.",
      );
  }
}

export async function addCredit(
  tx: Queryable,
  input: { showId: string; versionId: string; userId: string; credit: CreditInput },
): Promise<Credit> {
  const v = await loadVersion(tx, input, true);
  refuseIfLocked(v);
  await validateContributor(tx, input.showId, input.credit);
  const [row] = await tx
    .insert(credits)
    .values({ ...input.credit, showId: input.showId, shotId: v.shotId, versionId: v.id, origin: "manual" })
    .returning();
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "credit.added",
    subject: `credit:${row!.id}`,
    payload: { versionId: v.id, credit: auditView(row!) },
  });
  return row!;
}

async function loadCredit(tx: Queryable, where: { showId: string; creditId: string }) {
  const [row] = await tx
    .select()
    .from(credits)
    .where(and(eq(credits.showId, where.showId), eq(credits.id, where.creditId)));
  if (!row?.versionId) throw notFound();
  const v = await loadVersion(tx, { showId: where.showId, versionId: row.versionId }, true);
  refuseIfLocked(v);
  return row;
}

/** Edits a credit; an edit (or a plain confirm) makes a proposed credit "confirmed". */
export async function updateCredit(
  tx: Queryable,
  input: { showId: string; creditId: string; userId: string; changes: Partial<CreditInput> },
): Promise<Credit> {
  const before = await loadCredit(tx, input);
  await validateContributor(tx, input.showId, input.changes);
  const [row] = await tx
    .update(credits)
    .set({ ...input.changes, origin: before.origin === "manual" ? "manual" : "confirmed" })
    .where(and(eq(credits.showId, input.showId), eq(credits.id, input.creditId)))
    .returning();
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: Object.keys(input.changes).length === 0 ? "credit.confirmed" : "credit.updated",
    subject: `credit:${row!.id}`,
    payload: { versionId: row!.versionId, before: auditView(before), after: auditView(row!) },
  });
  return row!;
}

export async function removeCredit(
  tx: Queryable,
  input: { showId: string; creditId: string; userId: string },
): Promise<void> {
  const before = await loadCredit(tx, input);
  await tx.delete(credits).where(and(eq(credits.showId, input.showId), eq(credits.id, input.creditId)));
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "credit.removed",
    subject: `credit:${before.id}`,
    payload: { versionId: before.versionId, credit: auditView(before) },
  });
}

/**
 * Sets versions.credits_locked_at; `trigger` says why (a producer's lock or a sign-off). A
 * sign-off records the lock in its own decision event (audit: false) rather than a second one.
 */
export async function lockCredits(
  tx: Queryable,
  input: {
    showId: string;
    versionId: string;
    userId: string;
    trigger: "producer" | "sign-off";
    audit?: boolean;
  },
): Promise<Date> {
  const v = await loadVersion(tx, input, true);
  if (v.creditsLockedAt) {
    if (input.trigger === "sign-off") return v.creditsLockedAt;
    throw new AppError("CONFLICT", `Credits for ${v.code} v${v.number} are already locked.`);
  }
  const count = await tx
    .select({ id: credits.id })
    .from(credits)
    .where(and(eq(credits.showId, input.showId), eq(credits.versionId, v.id)));
  const at = new Date();
  await tx
    .update(versions)
    .set({ creditsLockedAt: at })
    .where(and(eq(versions.showId, input.showId), eq(versions.id, v.id)));
  if (input.audit === false) return at;
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "credits.locked",
    subject: `version:${v.id}`,
    payload: { trigger: input.trigger, credits: count.length },
  });
  return at;
}

/** The only way to edit credits after sign-off: a producer's unlock with a reason, audited. */
export async function unlockCredits(
  tx: Queryable,
  input: {
    showId: string;
    versionId: string;
    userId: string | null;
    reason: string;
    trigger?: string;
    audit?: boolean;
  },
): Promise<void> {
  const reason = input.reason.trim();
  if (!reason) {
    throw new AppError(
      "BAD_REQUEST",
      "Say why the credits need to change: unlocking signed-off credits needs a reason for the audit log.",
    );
  }
  const v = await loadVersion(tx, input, true);
  if (!v.creditsLockedAt) {
    if (input.trigger) return;
    throw new AppError("CONFLICT", `Credits for ${v.code} v${v.number} are not locked.`);
  }
  await tx
    .update(versions)
    .set({ creditsLockedAt: null })
    .where(and(eq(versions.showId, input.showId), eq(versions.id, v.id)));
  if (input.audit === false) return;
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "credits.unlocked",
    subject: `version:${v.id}`,
    payload: { reason, trigger: input.trigger ?? "producer", lockedAt: v.creditsLockedAt.toISOString() },
  });
}

export type CreditRow = Credit & { shotCode: string; versionNumber: number | null };

export async function listCredits(
  tx: Queryable,
  where: { showId: string; shotId?: string; versionId?: string },
): Promise<CreditRow[]> {
  const rows = await tx
    .select({ credit: credits, shotCode: shots.code, versionNumber: versions.number })
    .from(credits)
    .innerJoin(shots, eq(shots.id, credits.shotId))
    .leftJoin(versions, eq(versions.id, credits.versionId))
    .where(
      and(
        eq(credits.showId, where.showId),
        where.shotId ? eq(credits.shotId, where.shotId) : undefined,
        where.versionId ? eq(credits.versionId, where.versionId) : undefined,
      ),
    )
    .orderBy(
      asc(shots.code),
      desc(versions.number),
      asc(credits.createdAt),
      asc(credits.contributorKind),
      asc(credits.contributorName),
      asc(credits.id),
    );
  return rows.map((r) => ({ ...r.credit, shotCode: r.shotCode, versionNumber: r.versionNumber }));
}

/** Versions of a show by id, for callers that need to show which version a credit belongs to. */
export async function versionsOf(tx: Queryable, where: { showId: string; versionIds: string[] }) {
  if (where.versionIds.length === 0) return [];
  return tx
    .select()
    .from(versions)
    .where(and(eq(versions.showId, where.showId), inArray(versions.id, where.versionIds)));
}
