import { and, asc, count, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "~/db/client";
import { guild, likenessConsents, talent, versionLikenesses } from "~/db/schema";
import { AppError, notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";
import { isUniqueViolation } from "~/server/services/database/db-errors";

/** The media a consent may cover; free text is allowed too, these are the usual ones. */
export const CONSENT_MEDIA = ["image", "video", "voice", "3d-scan", "motion"] as const;

export const ZTalentFields = z.object({
  name: z.string().trim().min(1, "Name the talent.").max(200),
  guild: z.enum(guild.enumValues).default("none"),
  notes: z.string().trim().max(2000).default(""),
});
export type TTalentFields = z.infer<typeof ZTalentFields>;

export const ZTalentChanges = z.object({
  name: z.string().trim().min(1, "Name the talent.").max(200).optional(),
  guild: z.enum(guild.enumValues).optional(),
  notes: z.string().trim().max(2000).optional(),
});
export type TTalentChanges = z.infer<typeof ZTalentChanges>;

export const ZConsentFields = z
  .object({
    scope: z.string().trim().min(1, "Describe the intended use the consent covers.").max(2000),
    media: z.array(z.string().trim().min(1).max(50)).min(1, "Name at least one medium.").max(20),
    validFrom: z.iso.date("Give the first day of validity as YYYY-MM-DD."),
    validTo: z.iso.date("Give the last day of validity as YYYY-MM-DD.").nullable().default(null),
    reference: z.string().trim().max(500).default(""),
  })
  .refine((c) => c.validTo === null || c.validTo >= c.validFrom, {
    message: "The consent cannot end before it starts.",
    path: ["validTo"],
  });
export type TConsentFields = z.infer<typeof ZConsentFields>;

export type ConsentState = "active" | "revoked" | "expired" | "not_yet_valid";

function consentState(
  c: { revokedAt: Date | null; validFrom: string; validTo: string | null },
  today: string,
): ConsentState {
  if (c.revokedAt) return "revoked";
  if (c.validFrom > today) return "not_yet_valid";
  if (c.validTo !== null && c.validTo < today) return "expired";
  return "active";
}

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The show's talent registry: each talent with its consents (and their state today) and use count. */
export async function listTalent(tx: Queryable, where: { showId: string }) {
  const people = await tx
    .select()
    .from(talent)
    .where(eq(talent.showId, where.showId))
    .orderBy(asc(talent.name));
  const consents = await tx
    .select()
    .from(likenessConsents)
    .where(eq(likenessConsents.showId, where.showId))
    .orderBy(asc(likenessConsents.validFrom), asc(likenessConsents.createdAt));
  const uses = await tx
    .select({ talentId: versionLikenesses.talentId, n: count() })
    .from(versionLikenesses)
    .where(eq(versionLikenesses.showId, where.showId))
    .groupBy(versionLikenesses.talentId);
  const today = todayUtc();
  return people.map((p) => {
    const own = consents
      .filter((c) => c.talentId === p.id)
      .map((c) => ({
        id: c.id,
        scope: c.scope,
        media: c.media,
        validFrom: c.validFrom,
        validTo: c.validTo,
        reference: c.reference,
        revokedAt: c.revokedAt,
        createdAt: c.createdAt,
        state: consentState(c, today),
      }));
    return {
      id: p.id,
      name: p.name,
      guild: p.guild,
      notes: p.notes,
      createdAt: p.createdAt,
      consents: own,
      covered: own.some((c) => c.state === "active"),
      versionsUsing: uses.find((u) => u.talentId === p.id)?.n ?? 0,
    };
  });
}

function takenName(name: string): AppError {
  return new AppError("CONFLICT", `${name} is already in this show's talent registry.`);
}

export async function addTalent(
  tx: Queryable,
  input: { showId: string; userId: string; talent: TTalentFields },
) {
  const [existing] = await tx
    .select({ id: talent.id })
    .from(talent)
    .where(and(eq(talent.showId, input.showId), eq(talent.name, input.talent.name)));
  if (existing) throw takenName(input.talent.name);
  let row: typeof talent.$inferSelect | undefined;
  try {
    [row] = await tx
      .insert(talent)
      .values({ showId: input.showId, ...input.talent })
      .returning();
  } catch (error) {
    if (isUniqueViolation(error, "talent_show_name_key")) throw takenName(input.talent.name);
    throw error;
  }
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "talent.added",
    subject: `talent:${row!.id}`,
    payload: { name: row!.name, guild: row!.guild, notes: row!.notes },
  });
  return row!;
}

async function loadTalent(tx: Queryable, where: { showId: string; talentId: string }, lock = false) {
  const query = tx
    .select()
    .from(talent)
    .where(and(eq(talent.showId, where.showId), eq(talent.id, where.talentId)));
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw notFound();
  return row;
}

export async function updateTalent(
  tx: Queryable,
  input: { showId: string; userId: string; talentId: string; changes: TTalentChanges },
) {
  const current = await loadTalent(tx, input, true);
  const changes = Object.fromEntries(
    Object.entries(input.changes).filter(
      ([k, v]) => v !== undefined && v !== current[k as keyof typeof current],
    ),
  ) as TTalentChanges;
  if (Object.keys(changes).length === 0) return current;
  if (changes.name) {
    const [clash] = await tx
      .select({ id: talent.id })
      .from(talent)
      .where(and(eq(talent.showId, input.showId), eq(talent.name, changes.name)));
    if (clash) throw takenName(changes.name);
  }
  const [row] = await tx
    .update(talent)
    .set(changes)
    .where(and(eq(talent.showId, input.showId), eq(talent.id, input.talentId)))
    .returning();
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "talent.updated",
    subject: `talent:${input.talentId}`,
    payload: {
      changed: Object.fromEntries(
        Object.entries(changes).map(([k, v]) => [
          k,
          { before: current[k as keyof typeof current], after: v },
        ]),
      ),
    },
  });
  return row!;
}

export async function addConsent(
  tx: Queryable,
  input: { showId: string; userId: string; talentId: string; consent: TConsentFields },
) {
  const person = await loadTalent(tx, input);
  const media = [...new Set(input.consent.media)];
  const [row] = await tx
    .insert(likenessConsents)
    .values({ showId: input.showId, talentId: person.id, ...input.consent, media })
    .returning();
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "consent.added",
    subject: `consent:${row!.id}`,
    payload: {
      talentId: person.id,
      talent: person.name,
      scope: row!.scope,
      media: row!.media,
      validFrom: row!.validFrom,
      validTo: row!.validTo,
      reference: row!.reference,
    },
  });
  return row!;
}

/**
 * Revokes a consent from now on. Versions already approved under it keep their decision (the
 * decision recorded the consent ids it relied on); new approvals need another active consent.
 */
export async function revokeConsent(
  tx: Queryable,
  input: { showId: string; userId: string; consentId: string; reason: string },
) {
  const [consent] = await tx
    .select()
    .from(likenessConsents)
    .where(and(eq(likenessConsents.showId, input.showId), eq(likenessConsents.id, input.consentId)))
    .for("update");
  if (!consent) throw notFound();
  if (consent.revokedAt) {
    throw new AppError(
      "CONFLICT",
      `This consent was already revoked on ${consent.revokedAt.toISOString().slice(0, 10)}.`,
    );
  }
  const [person] = await tx
    .select({ name: talent.name })
    .from(talent)
    .where(and(eq(talent.showId, input.showId), eq(talent.id, consent.talentId)));
  const [row] = await tx
    .update(likenessConsents)
    .set({ revokedAt: new Date() })
    .where(and(eq(likenessConsents.showId, input.showId), eq(likenessConsents.id, input.consentId)))
    .returning();
  const versionsUsing = await tx
    .select({ versionId: versionLikenesses.versionId })
    .from(versionLikenesses)
    .where(
      and(
        eq(versionLikenesses.showId, input.showId),
        inArray(versionLikenesses.talentId, [consent.talentId]),
      ),
    );
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "consent.revoked",
    subject: `consent:${consent.id}`,
    payload: {
      talentId: consent.talentId,
      talent: person?.name ?? null,
      reference: consent.reference,
      reason: input.reason.trim(),
      versionsUsing: versionsUsing.map((v) => v.versionId),
    },
  });
  return row!;
}
