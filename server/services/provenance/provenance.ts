import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "~/db/client";
import {
  type EmbeddedProvenance,
  type InputAsset,
  media,
  provenance,
  shots,
  talent,
  users,
  versionLikenesses,
  versions,
} from "~/db/schema";
import { AppError, notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";
import { isSignedOffChange } from "~/server/services/database/db-errors";
import { jsonBytes, provenanceSizeIssue } from "~/server/services/provenance/provenance-limits";
import { likenessUses } from "~/server/services/signoff/gates";
import { DIGITAL_SOURCE_TYPE_CODES, sourceTypeCode } from "~/shared/digital-source-types";

const optionalText = (max: number) =>
  z
    .string()
    .max(max, `At most ${max} characters.`)
    .nullable()
    .transform((v) => (v === null || v.trim() === "" ? null : v.trim()));

const IPTC_URI = new RegExp(
  `^https?://cv\\.iptc\\.org/newscodes/digitalsourcetype/(${DIGITAL_SOURCE_TYPE_CODES.join("|")})/?$`,
);

/** The IPTC code, or its full URI; stored as the code. */
const ZSourceType = z
  .union([z.enum(DIGITAL_SOURCE_TYPE_CODES), z.string().regex(IPTC_URI, "Not an IPTC digital source type.")])
  .nullable()
  .transform((v) => (v === null ? null : (sourceTypeCode(v) ?? null)));

export const ZInputAsset = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("version"),
    versionId: z.uuid(),
    label: z.string().trim().max(200).optional(),
  }),
  z.object({
    kind: z.literal("reference"),
    label: z.string().trim().min(1, "Describe the reference.").max(300),
    url: z
      .url({ protocol: /^https?$/, error: "A reference URL starts with http:// or https://." })
      .max(2000)
      .optional(),
  }),
  z.object({
    kind: z.literal("media"),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "A media hash is 64 lowercase hex digits."),
    label: z.string().trim().max(200).optional(),
  }),
]);

const ZParameterValue = z.union([z.string().max(2000), z.number(), z.boolean()]);

/** What a person may type into the provenance panel. Absent fields stay as they are. */
export const ZProvenanceChanges = z.object({
  sourceType: ZSourceType.optional(),
  model: optionalText(200).optional(),
  modelVersion: optionalText(200).optional(),
  provider: optionalText(200).optional(),
  prompt: optionalText(20_000).optional(),
  negativePrompt: optionalText(20_000).optional(),
  seed: optionalText(100).optional(),
  parameters: z
    .record(z.string().trim().min(1).max(80), ZParameterValue)
    .refine((r) => Object.keys(r).length <= 60, "At most 60 parameters.")
    .optional(),
  inputAssets: z.array(ZInputAsset).max(50, "At most 50 input assets.").optional(),
  trainingClearanceRef: optionalText(500).optional(),
  noTrainingAttestation: z.boolean().optional(),
  /** The show's talent whose likeness this version uses (replaces the set). */
  talentIds: z.array(z.uuid()).max(50).optional(),
});
export type TProvenanceChanges = z.infer<typeof ZProvenanceChanges>;

const TYPED_FIELDS = [
  "sourceType",
  "model",
  "modelVersion",
  "provider",
  "prompt",
  "negativePrompt",
  "seed",
  "parameters",
  "inputAssets",
  "trainingClearanceRef",
  "noTrainingAttestation",
] as const;
type TypedField = (typeof TYPED_FIELDS)[number];

export type TypedProvenance = {
  sourceType: string | null;
  model: string | null;
  modelVersion: string | null;
  provider: string | null;
  prompt: string | null;
  negativePrompt: string | null;
  seed: string | null;
  parameters: Record<string, unknown>;
  inputAssets: InputAsset[];
  trainingClearanceRef: string | null;
  noTrainingAttestation: boolean;
};

const EMPTY_TYPED: TypedProvenance = {
  sourceType: null,
  model: null,
  modelVersion: null,
  provider: null,
  prompt: null,
  negativePrompt: null,
  seed: null,
  parameters: {},
  inputAssets: [],
  trainingClearanceRef: null,
  noTrainingAttestation: false,
};

function typedOf(row: typeof provenance.$inferSelect): TypedProvenance {
  return Object.fromEntries(TYPED_FIELDS.map((f) => [f, row[f]])) as TypedProvenance;
}

type VersionLabel = { versionId: string; shotCode: string; number: number; status: string };

/** Versions of one show with their shot code, as labels ("SQ010_SH0010 v2"); callers add the filter. */
function labelsOfShow(tx: Queryable, showId: string) {
  return tx
    .select({
      versionId: versions.id,
      shotCode: shots.code,
      number: versions.number,
      status: versions.status,
    })
    .from(versions)
    .innerJoin(shots, and(eq(shots.id, versions.shotId), eq(shots.showId, showId)))
    .$dynamic();
}

async function versionLabels(
  tx: Queryable,
  where: { showId: string; versionIds: string[] },
): Promise<Map<string, VersionLabel>> {
  if (where.versionIds.length === 0) return new Map();
  const rows = await labelsOfShow(tx, where.showId).where(
    and(eq(versions.showId, where.showId), inArray(versions.id, where.versionIds)),
  );
  return new Map(rows.map((r) => [r.versionId, r]));
}

export type LineageStep = VersionLabel & { depth: number; inputOf: string };

/**
 * The versions this one was made from, and what those were made from, breadth first (at most
 * five generations, 100 versions); each step names the version it fed.
 */
async function ancestry(
  tx: Queryable,
  where: { showId: string; versionId: string; inputs: InputAsset[] },
): Promise<LineageStep[]> {
  const seen = new Set([where.versionId]);
  const steps: LineageStep[] = [];
  let frontier: { versionId: string; inputOf: string }[] = where.inputs.flatMap((a) =>
    a.kind === "version" ? [{ versionId: a.versionId, inputOf: where.versionId }] : [],
  );
  for (let depth = 1; depth <= 5 && frontier.length > 0 && steps.length < 100; depth++) {
    const fresh = frontier.filter((f) => !seen.has(f.versionId));
    for (const f of fresh) seen.add(f.versionId);
    const ids = fresh.map((f) => f.versionId);
    const labels = await versionLabels(tx, { showId: where.showId, versionIds: ids });
    for (const f of fresh) {
      const label = labels.get(f.versionId);
      if (label) steps.push({ ...label, depth, inputOf: f.inputOf });
    }
    const found = ids.filter((id) => labels.has(id));
    if (found.length === 0) break;
    const parents = await tx
      .select({ versionId: provenance.versionId, inputAssets: provenance.inputAssets })
      .from(provenance)
      .where(and(eq(provenance.showId, where.showId), inArray(provenance.versionId, found)));
    frontier = parents.flatMap((p) =>
      p.inputAssets.flatMap((a) =>
        a.kind === "version" ? [{ versionId: a.versionId, inputOf: p.versionId }] : [],
      ),
    );
  }
  return steps;
}

/** Whether `target` is among the inputs of `from`, or of their inputs, and so on (a lineage loop). */
async function reachesVersion(
  tx: Queryable,
  where: { showId: string; from: string[]; target: string },
): Promise<boolean> {
  const seen = new Set<string>();
  let frontier = where.from;
  for (let depth = 0; depth < 50 && frontier.length > 0 && seen.size < 2000; depth++) {
    if (frontier.includes(where.target)) return true;
    for (const id of frontier) seen.add(id);
    const rows = await tx
      .select({ inputAssets: provenance.inputAssets })
      .from(provenance)
      .where(and(eq(provenance.showId, where.showId), inArray(provenance.versionId, frontier)));
    frontier = [
      ...new Set(
        rows.flatMap((r) => r.inputAssets.flatMap((a) => (a.kind === "version" ? [a.versionId] : []))),
      ),
    ].filter((id) => !seen.has(id));
  }
  return false;
}

/** Versions of the show that name this one among their inputs. */
async function usedBy(tx: Queryable, where: { showId: string; versionId: string }): Promise<VersionLabel[]> {
  const rows = await tx
    .select({ versionId: provenance.versionId })
    .from(provenance)
    .where(
      and(
        eq(provenance.showId, where.showId),
        sql`${provenance.inputAssets} @> ${JSON.stringify([{ kind: "version", versionId: where.versionId }])}::jsonb`,
      ),
    )
    .limit(100);
  const labels = await versionLabels(tx, { showId: where.showId, versionIds: rows.map((r) => r.versionId) });
  return [...labels.values()].sort((a, b) => a.shotCode.localeCompare(b.shotCode) || a.number - b.number);
}

export type ProvenanceView = Awaited<ReturnType<typeof getProvenance>>;

/** Everything the provenance panel shows: typed fields, what the files said, likenesses, lineage. */
export async function getProvenance(tx: Queryable, where: { showId: string; versionId: string }) {
  const [version] = await tx
    .select({
      id: versions.id,
      status: versions.status,
      lockedAt: versions.lockedAt,
      number: versions.number,
      shotCode: shots.code,
    })
    .from(versions)
    .innerJoin(shots, and(eq(shots.id, versions.shotId), eq(shots.showId, where.showId)))
    .where(and(eq(versions.showId, where.showId), eq(versions.id, where.versionId)));
  if (!version) throw notFound();
  const [row] = await tx
    .select({ p: provenance, updatedByName: users.name })
    .from(provenance)
    .leftJoin(users, eq(users.id, provenance.updatedBy))
    .where(and(eq(provenance.showId, where.showId), eq(provenance.versionId, where.versionId)));
  const typed = row ? typedOf(row.p) : { ...EMPTY_TYPED };
  const inputVersionIds = typed.inputAssets.flatMap((a) => (a.kind === "version" ? [a.versionId] : []));
  const labels = await versionLabels(tx, { showId: where.showId, versionIds: inputVersionIds });
  const likenesses = await likenessUses(tx, where);
  const registry = await tx
    .select({ id: talent.id, name: talent.name, guild: talent.guild })
    .from(talent)
    .where(eq(talent.showId, where.showId))
    .orderBy(asc(talent.name));
  const otherVersions = await labelsOfShow(tx, where.showId)
    .where(and(eq(versions.showId, where.showId), sql`${versions.id} <> ${where.versionId}`))
    .orderBy(asc(shots.code), asc(versions.number))
    .limit(500);
  return {
    versionId: version.id,
    shotCode: version.shotCode,
    number: version.number,
    status: version.status,
    /** Approved: provenance is frozen until a director reopens the version. */
    frozen: version.lockedAt !== null,
    typed,
    embedded: (row?.p.embedded ?? {}) as EmbeddedProvenance,
    inputs: typed.inputAssets.map((asset) =>
      asset.kind === "version"
        ? { asset, version: labels.get(asset.versionId) ?? null }
        : { asset, version: null },
    ),
    lineage: await ancestry(tx, { ...where, inputs: typed.inputAssets }),
    usedBy: await usedBy(tx, where),
    likenesses: likenesses.map((l) => ({
      talentId: l.talentId,
      name: l.talentName,
      guild: l.guild,
      covered: l.activeConsentIds.length > 0,
    })),
    talentOptions: registry,
    versionOptions: otherVersions,
    updatedBy: row?.updatedByName ?? null,
    updatedAt: row?.p.updatedAt ?? null,
  };
}

const FROZEN_MESSAGE =
  "This version is approved: its provenance is frozen with the sign-off and cannot change. A director can reopen the version (with a reason) if it must be corrected.";

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A person's edit of a version's provenance: typed fields and likenesses only (what was read from
 * the files is never touched). References must be this show's; an approved version is refused,
 * by this check and by the database trigger behind it. Audited in the same transaction.
 */
export async function updateProvenance(
  tx: Queryable,
  input: { showId: string; versionId: string; userId: string; changes: TProvenanceChanges },
) {
  const { showId, versionId, changes } = input;
  const [version] = await tx
    .select({ id: versions.id, lockedAt: versions.lockedAt })
    .from(versions)
    .where(and(eq(versions.showId, showId), eq(versions.id, versionId)))
    .for("update");
  if (!version) throw notFound();

  // Every id must be this show's: another show's answers exactly like one that does not exist.
  const assets = changes.inputAssets ?? [];
  const refIds = [...new Set(assets.flatMap((a) => (a.kind === "version" ? [a.versionId] : [])))];
  if (refIds.length > 0) {
    const found = await tx
      .select({ id: versions.id })
      .from(versions)
      .where(and(eq(versions.showId, showId), inArray(versions.id, refIds)));
    if (found.length !== refIds.length) throw notFound();
  }
  const shas = [...new Set(assets.flatMap((a) => (a.kind === "media" ? [a.sha256] : [])))];
  if (shas.length > 0) {
    const found = await tx
      .select({ sha: media.sha256 })
      .from(media)
      .where(and(eq(media.showId, showId), inArray(media.sha256, shas)));
    if (found.length !== shas.length) throw notFound();
  }
  const talentIds = changes.talentIds ? [...new Set(changes.talentIds)] : undefined;
  if (talentIds && talentIds.length > 0) {
    const found = await tx
      .select({ id: talent.id })
      .from(talent)
      .where(and(eq(talent.showId, showId), inArray(talent.id, talentIds)));
    if (found.length !== talentIds.length) throw notFound();
  }
  if (version.lockedAt) throw new AppError("CONFLICT", FROZEN_MESSAGE);
  if (refIds.includes(versionId)) {
    throw new AppError("BAD_REQUEST", "A version cannot be an input of itself.");
  }
  if (refIds.length > 0 && (await reachesVersion(tx, { showId, from: refIds, target: versionId }))) {
    throw new AppError(
      "BAD_REQUEST",
      "One of these inputs was itself made from this version: the lineage would go round in a loop.",
    );
  }

  const [current] = await tx
    .select()
    .from(provenance)
    .where(and(eq(provenance.showId, showId), eq(provenance.versionId, versionId)));
  const before = current ? typedOf(current) : { ...EMPTY_TYPED };
  const after: TypedProvenance = { ...before };
  for (const field of TYPED_FIELDS) {
    const value = changes[field];
    if (value !== undefined) (after as Record<TypedField, unknown>)[field] = value;
  }
  const changed = TYPED_FIELDS.filter((f) => !same(before[f], after[f]));
  // The document an edit leaves may not pass the ingest's size limit (one that was already
  // larger, from before the limit, may still shrink).
  const afterBytes = jsonBytes(after);
  const tooLarge = provenanceSizeIssue(afterBytes);
  if (tooLarge && afterBytes > jsonBytes(before)) throw new AppError("BAD_REQUEST", tooLarge.error);

  const usedBefore = (
    await tx
      .select({ talentId: versionLikenesses.talentId, name: talent.name })
      .from(versionLikenesses)
      .innerJoin(talent, eq(talent.id, versionLikenesses.talentId))
      .where(and(eq(versionLikenesses.showId, showId), eq(versionLikenesses.versionId, versionId)))
  ).sort((a, b) => a.name.localeCompare(b.name));
  const addTalent = talentIds?.filter((id) => !usedBefore.some((u) => u.talentId === id)) ?? [];
  const removeTalent = talentIds ? usedBefore.filter((u) => !talentIds.includes(u.talentId)) : [];

  if (changed.length === 0 && addTalent.length === 0 && removeTalent.length === 0) {
    return { changed: [] as string[] };
  }

  try {
    if (changed.length > 0) {
      const values = Object.fromEntries(changed.map((f) => [f, after[f]]));
      await tx
        .insert(provenance)
        .values({ showId, versionId, ...after, updatedBy: input.userId, updatedAt: new Date() })
        .onConflictDoUpdate({
          target: provenance.versionId,
          set: { ...values, updatedBy: input.userId, updatedAt: new Date() },
        });
    }
    if (removeTalent.length > 0) {
      await tx.delete(versionLikenesses).where(
        and(
          eq(versionLikenesses.showId, showId),
          eq(versionLikenesses.versionId, versionId),
          inArray(
            versionLikenesses.talentId,
            removeTalent.map((r) => r.talentId),
          ),
        ),
      );
    }
    if (addTalent.length > 0) {
      await tx
        .insert(versionLikenesses)
        .values(addTalent.map((talentId) => ({ showId, versionId, talentId })));
    }
  } catch (error) {
    if (isSignedOffChange(error)) throw new AppError("CONFLICT", FROZEN_MESSAGE);
    throw error;
  }

  const names = talentIds?.length
    ? await tx
        .select({ id: talent.id, name: talent.name })
        .from(talent)
        .where(and(eq(talent.showId, showId), inArray(talent.id, talentIds)))
    : [];
  await appendAudit(tx, {
    showId,
    actorUserId: input.userId,
    action: "provenance.updated",
    subject: `version:${versionId}`,
    payload: {
      changed: Object.fromEntries(changed.map((f) => [f, { before: before[f], after: after[f] }])),
      ...(addTalent.length > 0 || removeTalent.length > 0
        ? {
            likenesses: {
              added: addTalent.map((id) => names.find((n) => n.id === id)?.name ?? id),
              removed: removeTalent.map((r) => r.name),
            },
          }
        : {}),
    },
  });
  return { changed: [...changed, ...(addTalent.length || removeTalent.length ? ["likenesses"] : [])] };
}
