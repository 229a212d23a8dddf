import { and, asc, desc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import { type Database, inScope, type Transaction } from "~/db/client";
import {
  type EmbeddedProvenance,
  frames,
  media,
  provenance,
  type Shot,
  shots,
  shows,
  talent,
  versionLikenesses,
  versions,
} from "~/db/schema";
import { notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";
import { readEmbeddedMetadata } from "~/server/services/ingest/embedded-metadata";
import {
  MediaNotPublished,
  MediaStaging,
  mediaComplete,
  prepareMedia,
} from "~/server/services/ingest/ingest-media";
import { type IngestFile, IngestRefusal, type Planned, plan } from "~/server/services/ingest/ingest-plan";
import {
  type ProvenanceIssue,
  parseIngestProvenance,
  type TIngestProvenance,
} from "~/server/services/ingest/ingest-provenance";
import type { DecodeGate } from "~/server/services/media/decode-gate";
import { recordMedia, type StoredImage } from "~/server/services/media/media";
import { refreshShotStatus } from "~/server/services/shows/shots";
import { assertShowWritable } from "~/server/services/shows/show-access";
import type { MediaStore } from "~/server/storage/media-store";

export { type IngestFile, IngestRefusal } from "~/server/services/ingest/ingest-plan";

/** Who submits: a person (browser upload) or a show's pipeline token. */
export type IngestActor = { kind: "user"; userId: string } | { kind: "pipeline"; tokenId: string };

export type IngestInput = {
  showId: string;
  /** The shot's id or its code (e.g. `SQ010_SH0040`). */
  shot: string;
  files: IngestFile[];
  /** Provenance as JSON text (pipeline field, CLI sidecar) or an already parsed value. */
  provenance?: unknown;
  actor: IngestActor;
  note?: string;
};

export type IngestOptions = {
  store: MediaStore;
  /** Per-file size limit (MAX_UPLOAD_BYTES). */
  maxFileBytes: number;
  /** How many of this ingest's images are prepared at once; default: the machine's cores, at most 4. */
  concurrency?: number;
  /** Where each decode waits its turn; default: the process's (MEDIA_DECODE_CONCURRENCY). */
  decodeGate?: DecodeGate;
};

export type IngestResult = {
  versionId: string;
  number: number;
  shotId: string;
  /** False when the same media was already a version of this shot: nothing new was created. */
  created: boolean;
  frames: number;
  clip: boolean;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function findShot(tx: Transaction, showId: string, ref: string): Promise<Shot> {
  const key = ref.trim();
  const [shot] = await tx
    .select()
    .from(shots)
    .where(
      and(
        eq(shots.showId, showId),
        UUID.test(key) ? or(eq(shots.id, key.toLowerCase()), eq(shots.code, key)) : eq(shots.code, key),
      ),
    )
    .limit(1);
  if (!shot) throw notFound();
  return shot;
}

async function assertShowActive(tx: Transaction, showId: string): Promise<void> {
  const [show] = await tx.select({ state: shows.state }).from(shows).where(eq(shows.id, showId));
  if (!show) throw notFound();
  assertShowWritable(show.state);
}

/** The references inside provenance must name things of this show. */
async function checkReferences(tx: Transaction, showId: string, prov: TIngestProvenance | null) {
  const versionIds = (prov?.inputAssets ?? []).flatMap((a) => (a.kind === "version" ? [a.versionId] : []));
  const issues: ProvenanceIssue[] = [];
  if (versionIds.length) {
    const found = new Set(
      (
        await tx
          .select({ id: versions.id })
          .from(versions)
          .where(and(eq(versions.showId, showId), inArray(versions.id, versionIds)))
      ).map((r) => r.id),
    );
    prov!.inputAssets!.forEach((a, i) => {
      if (a.kind === "version" && !found.has(a.versionId))
        issues.push({ path: `inputAssets.${i}.versionId`, message: "no such version in this show" });
    });
  }
  const likenesses = prov?.likenesses ?? [];
  if (likenesses.length) {
    const found = new Set(
      (
        await tx
          .select({ id: talent.id })
          .from(talent)
          .where(and(eq(talent.showId, showId), inArray(talent.id, likenesses)))
      ).map((r) => r.id),
    );
    likenesses.forEach((id, i) => {
      if (!found.has(id)) issues.push({ path: `likenesses.${i}`, message: "no such talent in this show" });
    });
  }
  if (issues.length) throw provenanceRefusal(issues);
}

function provenanceRefusal(issues: ProvenanceIssue[], error?: string): IngestRefusal {
  return new IngestRefusal(
    error ?? `The provenance JSON is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}.`,
    { issues },
  );
}

/** The version of this shot that already holds exactly this media, if any. */
async function existingVersion(
  tx: Transaction,
  where: { showId: string; shotId: string },
  planned: Planned,
): Promise<{ id: string; number: number } | null> {
  if (planned.kind === "clip") {
    const [row] = await tx
      .select({ id: versions.id, number: versions.number })
      .from(versions)
      .where(
        and(
          eq(versions.showId, where.showId),
          eq(versions.shotId, where.shotId),
          eq(versions.clipSha256, planned.sha),
        ),
      )
      .orderBy(asc(versions.number))
      .limit(1);
    return row ?? null;
  }
  const wanted = planned.frames.map((f) => f.sha).join(",");
  // Candidates: versions of the shot whose first frame is this first frame, with as many frames.
  const candidates = await tx
    .select({ id: versions.id, number: versions.number })
    .from(versions)
    .innerJoin(frames, and(eq(frames.versionId, versions.id), eq(frames.sha256, planned.frames[0]!.sha)))
    .where(
      and(
        eq(versions.showId, where.showId),
        eq(versions.shotId, where.shotId),
        isNull(versions.clipSha256),
        sql`(select count(*) from ${frames} f where f.version_id = ${versions.id}) = ${planned.frames.length}`,
      ),
    )
    .orderBy(asc(versions.number));
  for (const c of candidates) {
    const rows = await tx
      .select({ sha: frames.sha256 })
      .from(frames)
      .where(and(eq(frames.showId, where.showId), eq(frames.versionId, c.id)))
      .orderBy(asc(frames.frameNumber));
    if (rows.map((r) => r.sha).join(",") === wanted) return c;
  }
  return null;
}

function typedProvenance(p: TIngestProvenance | null) {
  return {
    sourceType: p?.sourceType ?? null,
    model: p?.model ?? null,
    modelVersion: p?.modelVersion ?? null,
    provider: p?.provider ?? null,
    prompt: p?.prompt ?? null,
    negativePrompt: p?.negativePrompt ?? null,
    seed: p?.seed === undefined ? null : String(p.seed),
    parameters: p?.parameters ?? {},
    inputAssets: p?.inputAssets ?? [],
    trainingClearanceRef: p?.trainingClearanceRef ?? null,
    noTrainingAttestation: p?.noTrainingAttestation ?? false,
  };
}

/**
 * Creates a version of a shot from uploaded frames (an image sequence) or one clip, with its
 * provenance: the one ingest path of the browser upload, the pipeline endpoint and the CLI.
 *
 * Everything is checked before anything is stored: sizes, types by content, frame order (gaps,
 * duplicates, numbers the frames table holds), provenance (shape, size, nesting), header
 * dimensions, then every image fully decoded into its thumbnail and proxy, which are staged
 * out of readers' sight. The rows are created in one transaction with the audit event; only
 * once it has committed are the staged media files published (content-addressed), and on any
 * refusal or failure before, they are discarded: nothing in the database, nothing on disk.
 * Re-sending the same media for the same shot returns the existing version (`created: false`),
 * and stores any of its files the store lacks (a publish cut short by a crash is made good).
 */
export async function ingestVersion(
  db: Database,
  input: IngestInput,
  opts: IngestOptions,
): Promise<IngestResult> {
  const userId = input.actor.kind === "user" ? input.actor.userId : null;
  const scope = { showId: input.showId, userId };
  const parsed = parseIngestProvenance(input.provenance);
  if (!parsed.ok) throw provenanceRefusal(parsed.issues, parsed.error);
  const prov = parsed.value;

  const shot = await inScope(db, scope, async (tx) => {
    const found = await findShot(tx, input.showId, input.shot);
    await assertShowActive(tx, input.showId);
    await checkReferences(tx, input.showId, prov);
    return found;
  });
  const planned = plan(input.files, opts.maxFileBytes, shot.frameStart);

  const already = await inScope(db, scope, (tx) =>
    existingVersion(tx, { showId: input.showId, shotId: shot.id }, planned),
  );
  if (already && (await mediaComplete(opts.store, planned))) return result(already, shot.id, planned, false);

  // Media is staged, and published only once the rows are committed: a refusal or failure on
  // the way leaves no file behind (and removes none that another version uses).
  const staging = new MediaStaging(opts.store);
  let outcome: IngestResult;
  try {
    const prepared = await prepareMedia(planned, staging, {
      store: opts.store,
      concurrency: opts.concurrency,
      gate: opts.decodeGate,
    });
    outcome = await record(db, { input, scope, shot, planned, prepared, prov });
  } catch (error) {
    await staging.discard();
    throw error;
  }
  // Published for an existing version too: the same bytes, so a publish cut short is made good.
  try {
    await staging.publish();
  } catch (error) {
    await staging.discard();
    throw new MediaNotPublished(outcome, error);
  }
  return outcome;
}

/** The version's rows, in one transaction with its audit event. */
function record(
  db: Database,
  ctx: {
    input: IngestInput;
    scope: { showId: string; userId: string | null };
    shot: Shot;
    planned: Planned;
    prepared: StoredImage[];
    prov: TIngestProvenance | null;
  },
): Promise<IngestResult> {
  const { input, scope, shot, planned, prepared, prov } = ctx;
  const userId = scope.userId;
  const firstBytes = planned.kind === "clip" ? planned.file.bytes : planned.frames[0]!.file.bytes;
  const embedded = readEmbeddedMetadata(firstBytes) as EmbeddedProvenance;

  return inScope(db, scope, async (tx) => {
    // One ingest per shot at a time: the version number and the idempotency check hold.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`ingest:${shot.id}`}, 0))`);
    await assertShowActive(tx, input.showId);
    const again = await existingVersion(tx, { showId: input.showId, shotId: shot.id }, planned);
    if (again) return result(again, shot.id, planned, false);
    const [last] = await tx
      .select({ number: versions.number })
      .from(versions)
      .where(and(eq(versions.showId, input.showId), eq(versions.shotId, shot.id)))
      .orderBy(desc(versions.number))
      .limit(1);
    const number = (last?.number ?? 0) + 1;
    const [version] = await tx
      .insert(versions)
      .values({
        showId: input.showId,
        shotId: shot.id,
        number,
        submittedBy: userId,
        note: input.note ?? "",
        source: input.actor.kind === "user" ? "upload" : "pipeline",
        pipelineTokenId: input.actor.kind === "pipeline" ? input.actor.tokenId : null,
        clipSha256: planned.kind === "clip" ? planned.sha : null,
      })
      .returning({ id: versions.id });
    const versionId = version!.id;

    if (planned.kind === "clip") {
      await tx
        .insert(media)
        .values({
          showId: input.showId,
          sha256: planned.sha,
          mime: planned.mime,
          width: 0,
          height: 0,
          bytes: planned.file.bytes.byteLength,
        })
        .onConflictDoNothing();
    } else {
      // In sha256 order: two ingests into different shots sharing frames in another order would
      // otherwise each hold a media row the other waits for (a deadlock, answered 500).
      const unique = [...new Map(prepared.map((p) => [p.sha256, p])).values()];
      unique.sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
      for (const m of unique) await recordMedia(tx, input.showId, m);
      const rows = planned.frames.map((f, i) => ({
        showId: input.showId,
        versionId,
        frameNumber: f.frameNumber,
        sha256: f.sha,
        width: prepared[i]!.width,
        height: prepared[i]!.height,
      }));
      for (let i = 0; i < rows.length; i += 500) await tx.insert(frames).values(rows.slice(i, i + 500));
    }

    await tx.insert(provenance).values({
      versionId,
      showId: input.showId,
      ...typedProvenance(prov),
      embedded,
      updatedBy: userId,
    });
    if (prov?.likenesses?.length) {
      await tx
        .insert(versionLikenesses)
        .values(
          [...new Set(prov.likenesses)].map((talentId) => ({ versionId, talentId, showId: input.showId })),
        );
    }
    await appendAudit(tx, {
      showId: input.showId,
      actorUserId: userId,
      action: "version.uploaded",
      subject: `version:${versionId}`,
      payload: {
        shot: shot.code,
        number,
        source: input.actor.kind === "user" ? "upload" : "pipeline",
        ...(input.actor.kind === "pipeline" ? { pipelineTokenId: input.actor.tokenId } : {}),
        ...(planned.kind === "clip"
          ? { clip: planned.sha }
          : {
              frames: planned.frames.map((f) => f.sha),
              frameRange: [planned.frames[0]!.frameNumber, planned.frames.at(-1)!.frameNumber],
            }),
        provenance: prov ? Object.keys(prov).sort() : [],
      },
    });
    await refreshShotStatus(tx, { showId: input.showId, shotId: shot.id });
    return result({ id: versionId, number }, shot.id, planned, true);
  });
}

function result(
  v: { id: string; number: number },
  shotId: string,
  planned: Planned,
  created: boolean,
): IngestResult {
  return {
    versionId: v.id,
    number: v.number,
    shotId,
    created,
    frames: planned.kind === "clip" ? 0 : planned.frames.length,
    clip: planned.kind === "clip",
  };
}
