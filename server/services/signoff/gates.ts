import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "~/db/client";
import { likenessConsents, type Provenance, provenance, shows, talent, versionLikenesses } from "~/db/schema";
import { notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";

/** The governance gates a producer can switch per show (shows.settings.gates); all on by default. */
export const GATE_NAMES = ["likenessConsent", "aiProvenance"] as const;
export type GateName = (typeof GATE_NAMES)[number];
export type GateSettings = Record<GateName, boolean>;

export const GATE_LABELS: Record<GateName, string> = {
  likenessConsent: "Likeness consent: a version that uses a likeness needs an active consent for this show",
  aiProvenance: "AI provenance: AI-generated media needs its source type, model and model version",
};

export const ZGateSettings = z.object({
  likenessConsent: z.boolean().optional(),
  aiProvenance: z.boolean().optional(),
});

/** IPTC digital source types that mean the pixels came (at least partly) out of a generator. */
export const AI_SOURCE_TYPES = [
  "trainedAlgorithmicMedia",
  "compositeWithTrainedAlgorithmicMedia",
  "algorithmicMedia",
  "compositeSynthetic",
] as const;

/** Source types whose content is wholly generated (the rest of AI_SOURCE_TYPES are composites). */
export const FULLY_GENERATED_SOURCE_TYPES = ["trainedAlgorithmicMedia", "algorithmicMedia"] as const;

export function isAiSourceType(sourceType: string | null | undefined): boolean {
  return !!sourceType && (AI_SOURCE_TYPES as readonly string[]).includes(sourceType);
}

export function gateSettingsOf(settings: Record<string, unknown> | null | undefined): GateSettings {
  const raw = (settings?.gates ?? {}) as Partial<Record<GateName, unknown>>;
  return {
    likenessConsent: raw.likenessConsent !== false,
    aiProvenance: raw.aiProvenance !== false,
  };
}

export async function readGateSettings(tx: Queryable, where: { showId: string }): Promise<GateSettings> {
  const [row] = await tx.select({ settings: shows.settings }).from(shows).where(eq(shows.id, where.showId));
  if (!row) throw notFound();
  return gateSettingsOf(row.settings);
}

/** Producer switch for the gates; audited with the before and after values. */
export async function setGateSettings(
  tx: Queryable,
  input: { showId: string; userId: string; gates: Partial<GateSettings> },
): Promise<GateSettings> {
  const [row] = await tx
    .select({ settings: shows.settings })
    .from(shows)
    .where(eq(shows.id, input.showId))
    .for("update");
  if (!row) throw notFound();
  const before = gateSettingsOf(row.settings);
  const after: GateSettings = { ...before };
  for (const name of GATE_NAMES) {
    const value = input.gates[name];
    if (typeof value === "boolean") after[name] = value;
  }
  await tx
    .update(shows)
    .set({ settings: { ...row.settings, gates: after } })
    .where(eq(shows.id, input.showId));
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.userId,
    action: "gates.changed",
    subject: `show:${input.showId}`,
    payload: { before, after },
  });
  return after;
}

export type LikenessUse = {
  talentId: string;
  talentName: string;
  guild: string;
  /** Consents active today (valid dates, not revoked) for this talent in this show. */
  activeConsentIds: string[];
};

/** The likenesses a version uses and, for each, the consents that cover it today. */
export async function likenessUses(
  tx: Queryable,
  where: { showId: string; versionId: string },
): Promise<LikenessUse[]> {
  const used = await tx
    .select({ talentId: talent.id, name: talent.name, guild: talent.guild })
    .from(versionLikenesses)
    .innerJoin(talent, and(eq(talent.id, versionLikenesses.talentId), eq(talent.showId, where.showId)))
    .where(and(eq(versionLikenesses.showId, where.showId), eq(versionLikenesses.versionId, where.versionId)))
    .orderBy(talent.name);
  if (used.length === 0) return [];
  const consents = await tx
    .select({ id: likenessConsents.id, talentId: likenessConsents.talentId })
    .from(likenessConsents)
    .where(
      and(
        eq(likenessConsents.showId, where.showId),
        inArray(
          likenessConsents.talentId,
          used.map((u) => u.talentId),
        ),
        sql`${likenessConsents.revokedAt} is null`,
        sql`${likenessConsents.validFrom} <= current_date`,
        sql`(${likenessConsents.validTo} is null or ${likenessConsents.validTo} >= current_date)`,
      ),
    )
    .orderBy(likenessConsents.id);
  return used.map((u) => ({
    talentId: u.talentId,
    talentName: u.name,
    guild: u.guild,
    activeConsentIds: consents.filter((c) => c.talentId === u.talentId).map((c) => c.id),
  }));
}

export async function loadProvenance(
  tx: Queryable,
  where: { showId: string; versionId: string },
): Promise<Provenance | null> {
  const [row] = await tx
    .select()
    .from(provenance)
    .where(and(eq(provenance.showId, where.showId), eq(provenance.versionId, where.versionId)));
  return row ?? null;
}

/** Whether the version's media is (partly) generated, from what people typed or what the files said. */
export function looksAiGenerated(p: Provenance | null, versionSource: string): boolean {
  if (versionSource === "pipeline") return true;
  if (!p) return false;
  if (isAiSourceType(p.sourceType)) return true;
  if (p.model || p.modelVersion) return true;
  if (isAiSourceType(p.embedded?.sourceType)) return true;
  return Object.keys(p.embedded?.generator ?? {}).length > 0;
}

export type GateRefusal = { gate: GateName; message: string };

/** Everything that blocks approving this version now, each with what to do about it. */
export function gateRefusals(input: {
  settings: GateSettings;
  likenesses: LikenessUse[];
  provenance: Provenance | null;
  versionSource: string;
}): GateRefusal[] {
  const refusals: GateRefusal[] = [];
  if (input.settings.likenessConsent) {
    for (const use of input.likenesses.filter((l) => l.activeConsentIds.length === 0)) {
      refusals.push({
        gate: "likenessConsent",
        message: `This version uses the likeness of ${use.talentName}, who has no active consent for this show. Ask a producer to record (or renew) ${use.talentName}'s likeness consent in the talent registry, or remove the likeness from the version's provenance, then approve again.`,
      });
    }
  }
  if (input.settings.aiProvenance && looksAiGenerated(input.provenance, input.versionSource)) {
    const p = input.provenance;
    const missing = [
      !isAiSourceType(p?.sourceType) ? "source type (an IPTC AI type such as trainedAlgorithmicMedia)" : null,
      !p?.model?.trim() ? "model" : null,
      !p?.modelVersion?.trim() ? "model version" : null,
    ].filter((m): m is string => m !== null);
    if (missing.length > 0) {
      refusals.push({
        gate: "aiProvenance",
        message: `This version's media is AI-generated, but its provenance lacks the ${missing.join(", ")}. Fill in the provenance panel (the artist who uploaded it can), then approve again.`,
      });
    }
  }
  return refusals;
}
