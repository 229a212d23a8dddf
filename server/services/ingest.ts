import { availableParallelism } from "node:os";
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
import { AppError, notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit";
import { readEmbeddedMetadata } from "~/server/services/embedded-metadata";
import { orderSequence } from "~/server/services/frame-sequence";
import {
  type ProvenanceIssue,
  parseIngestProvenance,
  type TIngestProvenance,
} from "~/server/services/ingest-provenance";
import {
  inspectImage,
  type PreparedImage,
  prepareImage,
  recordMedia,
  sha256,
  sniffClip,
  sniffImage,
  writePrepared,
} from "~/server/services/media";
import { refreshShotStatus } from "~/server/services/shots";
import { type MediaStore, mediaKeys } from "~/server/storage/media-store";

export type IngestFile = { name: string; bytes: Uint8Array };

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
  /** How many images are decoded at once; default: the machine's cores, at most 4. */
  concurrency?: number;
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

/** A refusal: a clear message, the file it concerns (if one), and provenance issues with their paths. */
export class IngestRefusal extends AppError {
  constructor(
    message: string,
    readonly details: { file?: string; issues?: ProvenanceIssue[] } = {},
  ) {
    super("BAD_REQUEST", message);
  }
}

const MAX_FILES = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure wins. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Rethrows a media refusal as an IngestRefusal that names its file. */
async function forFile<T>(name: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof AppError && error.code === "BAD_REQUEST") {
      throw new IngestRefusal(error.message, { file: name });
    }
    throw error;
  }
}

type Planned =
  | { kind: "clip"; file: IngestFile; sha: string; mime: string }
  | { kind: "frames"; frames: { file: IngestFile; frameNumber: number; sha: string }[] };

/** Type by content, size, order: everything that needs no decoding and no database. */
function plan(files: IngestFile[], maxFileBytes: number, firstFrame: number): Planned {
  if (files.length === 0)
    throw new IngestRefusal("No files: send the frames or the clip of the new version.");
  if (files.length > MAX_FILES) {
    throw new IngestRefusal(`Too many files (${files.length}); a version may have at most ${MAX_FILES}.`);
  }
  for (const f of files) {
    if (f.bytes.byteLength > maxFileBytes) {
      throw new IngestRefusal(
        `${f.name} is ${mib(f.bytes.byteLength)}; files may be at most ${mib(maxFileBytes)} (MAX_UPLOAD_BYTES).`,
        { file: f.name },
      );
    }
  }
  const clips: { file: IngestFile; mime: string }[] = [];
  for (const f of files) {
    if (sniffImage(f.bytes)) continue;
    const clip = sniffClip(f.bytes);
    if (clip) clips.push({ file: f, mime: clip });
    else
      throw new IngestRefusal(
        `${f.name} is not a PNG, JPEG or WebP image, nor an MP4 or WebM clip (checked by its content, not its name).`,
        { file: f.name },
      );
  }
  if (clips.length) {
    if (files.length > 1) {
      throw new IngestRefusal(
        `A clip version is a single MP4 or WebM file; got ${files.length} files including ${clips[0]!.file.name}.`,
        { file: clips[0]!.file.name },
      );
    }
    const c = clips[0]!;
    return { kind: "clip", file: c.file, mime: c.mime, sha: sha256(c.file.bytes) };
  }
  const ordered = orderSequence(files, firstFrame);
  return {
    kind: "frames",
    frames: ordered.map(({ file, frameNumber }) => ({ file, frameNumber, sha: sha256(file.bytes) })),
  };
}

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
  if (show.state !== "active") {
    throw new AppError("FORBIDDEN", "This show is locked: it is read-only until a producer unlocks it.");
  }
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

function provenanceRefusal(issues: ProvenanceIssue[]): IngestRefusal {
  return new IngestRefusal(
    `The provenance JSON is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}.`,
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
 * duplicates), provenance, header dimensions, then every image fully decoded into its thumbnail
 * and proxy. Only then are media bytes written (content-addressed, so a later failure leaves
 * nothing that matters) and the rows created in one transaction with the audit event.
 * Re-sending the same media for the same shot returns the existing version (`created: false`).
 */
export async function ingestVersion(
  db: Database,
  input: IngestInput,
  opts: IngestOptions,
): Promise<IngestResult> {
  const userId = input.actor.kind === "user" ? input.actor.userId : null;
  const scope = { showId: input.showId, userId };
  const parsed = parseIngestProvenance(input.provenance);
  if (!parsed.ok) throw provenanceRefusal(parsed.issues);
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
  if (already) return result(already, shot.id, planned, false);

  let prepared: PreparedImage[] = [];
  if (planned.kind === "frames") {
    // Headers first (cheap): an oversized frame is named before any pixels are decoded.
    for (const f of planned.frames) await forFile(f.file.name, inspectImage(f.file.bytes, f.file.name));
    const limit = opts.concurrency ?? Math.max(1, Math.min(4, availableParallelism()));
    prepared = await pool(planned.frames, limit, (f) =>
      forFile(f.file.name, prepareImage(opts.store, f.file.bytes, f.file.name)),
    );
    await pool(planned.frames, limit, (f, i) => writePrepared(opts.store, prepared[i]!, f.file.bytes));
  } else {
    await opts.store.put(mediaKeys(planned.sha).original, planned.file.bytes);
  }
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
