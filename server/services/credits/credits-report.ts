import { and, desc, eq, inArray } from "drizzle-orm";
import type { Queryable } from "~/db/client";
import {
  decisions,
  likenessConsents,
  provenance,
  type ShotStatus,
  shots,
  talent,
  type VersionStatus,
  versions,
} from "~/db/schema";
import { type CreditRow, listCredits } from "~/server/services/credits/credits";
import { csvDocument } from "~/server/services/export/csv";
import { looksAiGenerated } from "~/server/services/signoff/gates";

export type ShotCredits = {
  shotId: string;
  code: string;
  shotStatus: ShotStatus;
  /** The version credited: the latest approved one, else the latest. */
  version: {
    id: string;
    number: number;
    status: VersionStatus;
    lockedAt: Date | null;
    creditsLockedAt: Date | null;
  } | null;
  credits: CreditRow[];
};

export type PersonLine = {
  name: string;
  kind: string;
  guild: string;
  departments: string[];
  classes: string[];
  shots: string[];
};

export type CreditsReport = {
  generatedAt: string;
  shots: ShotCredits[];
  byPerson: PersonLine[];
  byDepartment: { department: string; credits: number; contributors: string[]; shots: string[] }[];
  ai: {
    approvedShots: number;
    aiShots: number;
    /** aiShots / approvedShots (0 when nothing is approved yet). */
    share: number;
    models: { name: string; shots: string[] }[];
    consents: { id: string; talentName: string; scope: string; reference: string; shots: string[] }[];
  };
};

const sortUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();

export async function creditsReport(tx: Queryable, where: { showId: string }): Promise<CreditsReport> {
  const shotRows = await tx.select().from(shots).where(eq(shots.showId, where.showId)).orderBy(shots.code);
  const versionRows = await tx
    .select()
    .from(versions)
    .where(eq(versions.showId, where.showId))
    .orderBy(desc(versions.number));
  const chosen = new Map<string, (typeof versionRows)[number]>();
  for (const v of versionRows) {
    const best = chosen.get(v.shotId);
    if (!best || (v.status === "approved" && best.status !== "approved")) chosen.set(v.shotId, v);
  }
  const chosenIds = new Set([...chosen.values()].map((v) => v.id));
  const allCredits = (await listCredits(tx, where)).filter((c) => c.versionId && chosenIds.has(c.versionId));

  const shotsOut: ShotCredits[] = shotRows.map((s) => {
    const v = chosen.get(s.id);
    return {
      shotId: s.id,
      code: s.code,
      shotStatus: s.status,
      version: v
        ? {
            id: v.id,
            number: v.number,
            status: v.status,
            lockedAt: v.lockedAt,
            creditsLockedAt: v.creditsLockedAt,
          }
        : null,
      credits: v ? allCredits.filter((c) => c.versionId === v.id) : [],
    };
  });

  const people = new Map<string, PersonLine>();
  const departments = new Map<string, { credits: number; contributors: Set<string>; shots: Set<string> }>();
  for (const c of allCredits) {
    const key = `${c.contributorKind}:${c.userId ?? c.talentId ?? c.contributorName}`;
    const p = people.get(key) ?? {
      name: c.contributorName,
      kind: c.contributorKind,
      guild: c.guild,
      departments: [],
      classes: [],
      shots: [],
    };
    p.departments = sortUnique([...p.departments, c.department || "—"]);
    p.classes = sortUnique([...p.classes, c.contributionClass]);
    p.shots = sortUnique([...p.shots, c.shotCode]);
    people.set(key, p);
    const d = departments.get(c.department || "—") ?? {
      credits: 0,
      contributors: new Set(),
      shots: new Set(),
    };
    d.credits++;
    d.contributors.add(c.contributorName);
    d.shots.add(c.shotCode);
    departments.set(c.department || "—", d);
  }

  const approved = shotsOut.filter((s) => s.version?.status === "approved");
  const approvedIds = approved.map((s) => s.version!.id);
  const provRows = approvedIds.length
    ? await tx
        .select()
        .from(provenance)
        .where(and(eq(provenance.showId, where.showId), inArray(provenance.versionId, approvedIds)))
    : [];
  const provOf = new Map(provRows.map((p) => [p.versionId, p]));
  const models = new Map<string, Set<string>>();
  let aiShots = 0;
  for (const s of approved) {
    const v = versionRows.find((x) => x.id === s.version!.id)!;
    const p = provOf.get(v.id) ?? null;
    const toolCredits = s.credits.filter((c) => c.contributorKind === "tool");
    const ai = looksAiGenerated(p, v.source) || s.credits.some((c) => c.contributionClass === "ai_generated");
    if (ai) aiShots++;
    const names = new Set(toolCredits.map((c) => c.contributorName));
    if (p?.model)
      names.add(
        `${p.model}${p.modelVersion ? `@${p.modelVersion}` : ""}${p.provider ? ` (${p.provider})` : ""}`,
      );
    for (const n of names) models.set(n, (models.get(n) ?? new Set()).add(s.code));
  }

  const approvals = approvedIds.length
    ? await tx
        .select({
          versionId: decisions.versionId,
          consentIds: decisions.consentIds,
          createdAt: decisions.createdAt,
        })
        .from(decisions)
        .where(
          and(
            eq(decisions.showId, where.showId),
            eq(decisions.kind, "approved"),
            inArray(decisions.versionId, approvedIds),
          ),
        )
        .orderBy(desc(decisions.createdAt))
    : [];
  const consentShots = new Map<string, Set<string>>();
  const seenVersion = new Set<string>();
  for (const a of approvals) {
    if (seenVersion.has(a.versionId)) continue;
    seenVersion.add(a.versionId);
    const code = approved.find((s) => s.version!.id === a.versionId)!.code;
    for (const id of a.consentIds) consentShots.set(id, (consentShots.get(id) ?? new Set()).add(code));
  }
  const consentIds = [...consentShots.keys()];
  const consentRows = consentIds.length
    ? await tx
        .select({
          id: likenessConsents.id,
          scope: likenessConsents.scope,
          reference: likenessConsents.reference,
          talentName: talent.name,
        })
        .from(likenessConsents)
        .innerJoin(talent, eq(talent.id, likenessConsents.talentId))
        .where(and(eq(likenessConsents.showId, where.showId), inArray(likenessConsents.id, consentIds)))
    : [];

  return {
    generatedAt: new Date().toISOString(),
    shots: shotsOut,
    byPerson: [...people.values()].sort((a, b) => a.name.localeCompare(b.name)),
    byDepartment: [...departments.entries()]
      .map(([department, d]) => ({
        department,
        credits: d.credits,
        contributors: sortUnique(d.contributors),
        shots: sortUnique(d.shots),
      }))
      .sort((a, b) => a.department.localeCompare(b.department)),
    ai: {
      approvedShots: approved.length,
      aiShots,
      share: approved.length ? aiShots / approved.length : 0,
      models: [...models.entries()]
        .map(([name, s]) => ({ name, shots: sortUnique(s) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      consents: consentRows
        .map((c) => ({
          id: c.id,
          talentName: c.talentName,
          scope: c.scope,
          reference: c.reference,
          shots: sortUnique(consentShots.get(c.id) ?? []),
        }))
        .sort((a, b) => a.talentName.localeCompare(b.talentName)),
    },
  };
}

export const CLASS_LABELS: Record<string, string> = {
  human_authored: "human-authored",
  ai_assisted: "AI-assisted",
  ai_generated: "AI-generated",
  human_edited_ai: "human-edited AI output",
};

export const CSV_HEADER = [
  "shot",
  "version",
  "version_status",
  "credits_locked",
  "contributor",
  "contributor_kind",
  "department",
  "contribution_class",
  "guild",
  "origin",
  "notes",
];

/** One row per credit of each shot's credited version. */
export function creditsCsv(report: CreditsReport): string {
  return csvDocument(
    CSV_HEADER,
    report.shots.flatMap((s) =>
      s.credits.map((c) => [
        s.code,
        `v${s.version?.number ?? ""}`,
        s.version?.status ?? "",
        s.version?.creditsLockedAt ? "yes" : "no",
        c.contributorName,
        c.contributorKind,
        c.department,
        c.contributionClass,
        c.guild,
        c.origin,
        c.notes,
      ]),
    ),
  );
}
