import { and, asc, eq } from "drizzle-orm";
import type { Queryable } from "~/db/client";
import { frames, type Note, notes, type Provenance, versions } from "~/db/schema";
import { canonicalJson, sha256Hex } from "~/server/services/audit/audit-hash";
import { type LikenessUse, likenessUses, loadProvenance } from "~/server/services/signoff/gates";

/** What a decision binds: exactly what was on screen, in a form that can be re-checked later. */
export type SignoffSnapshot = {
  /** sha256 of each frame in frame-number order (a clip version without frames: the clip's sha256). */
  frameHashes: string[];
  /** sha256 of the canonical provenance record; null when the version has none. */
  provenanceHash: string | null;
  /** sha256 of the canonical notes of the version, ordered by note id. */
  notesHash: string;
  likenesses: LikenessUse[];
  /** The active consents covering the likenesses the version uses. */
  consentIds: string[];
  provenance: Provenance | null;
};

/** The provenance fields a person typed plus what was read from the files; not who/when it was edited. */
export function provenanceHash(p: Provenance | null): string | null {
  if (!p) return null;
  return sha256Hex(
    canonicalJson({
      sourceType: p.sourceType,
      model: p.model,
      modelVersion: p.modelVersion,
      provider: p.provider,
      prompt: p.prompt,
      negativePrompt: p.negativePrompt,
      seed: p.seed,
      parameters: p.parameters,
      inputAssets: p.inputAssets,
      trainingClearanceRef: p.trainingClearanceRef,
      noTrainingAttestation: p.noTrainingAttestation,
      embedded: p.embedded,
    }),
  );
}

/** Ordered by id with a plain code-unit comparison, so every database collation hashes alike. */
export function notesHash(rows: Note[]): string {
  const ordered = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sha256Hex(
    canonicalJson(
      ordered.map((n) => ({
        id: n.id,
        kind: n.kind,
        frameNumber: n.frameNumber,
        authorId: n.authorId,
        authorName: n.authorName,
        text: n.text,
        parentId: n.parentId,
        mentions: n.mentions,
        resolved: n.resolved,
        data: n.data,
        createdAt: new Date(n.createdAt).toISOString(),
      })),
    ),
  );
}

/** Everything a decision binds except the notes, which are the costly part on a busy version. */
export async function takeSnapshotWithoutNotes(
  tx: Queryable,
  where: { showId: string; versionId: string },
  known?: { clipSha256: string | null },
): Promise<Omit<SignoffSnapshot, "notesHash">> {
  const [version] = known
    ? [known]
    : await tx
        .select({ clipSha256: versions.clipSha256 })
        .from(versions)
        .where(and(eq(versions.showId, where.showId), eq(versions.id, where.versionId)));
  const frameHashes = (
    await tx
      .select({ sha256: frames.sha256 })
      .from(frames)
      .where(and(eq(frames.showId, where.showId), eq(frames.versionId, where.versionId)))
      .orderBy(asc(frames.frameNumber))
  ).map((f) => f.sha256);
  if (frameHashes.length === 0 && version?.clipSha256) frameHashes.push(version.clipSha256);
  const prov = await loadProvenance(tx, where);
  const likenesses = await likenessUses(tx, where);
  return {
    frameHashes,
    provenanceHash: provenanceHash(prov),
    likenesses,
    consentIds: likenesses.flatMap((l) => l.activeConsentIds),
    provenance: prov,
  };
}

/** The hash of the version's notes as they stand: every note read and hashed (10,000 annotations: ~0.5 s). */
export async function currentNotesHash(
  tx: Queryable,
  where: { showId: string; versionId: string },
): Promise<string> {
  const rows = await tx
    .select()
    .from(notes)
    .where(and(eq(notes.showId, where.showId), eq(notes.versionId, where.versionId)));
  return notesHash(rows);
}

export async function takeSnapshot(
  tx: Queryable,
  where: { showId: string; versionId: string },
  known?: { clipSha256: string | null },
): Promise<SignoffSnapshot> {
  const snapshot = await takeSnapshotWithoutNotes(tx, where, known);
  return { ...snapshot, notesHash: await currentNotesHash(tx, where) };
}
