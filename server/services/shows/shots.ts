import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "~/db/client";
import { frames, type ShotStatus, shots, versions } from "~/db/schema";
import { deriveShotStatus } from "~/server/services/signoff/shot-status";

export type ShotSummary = {
  id: string;
  code: string;
  description: string;
  status: ShotStatus;
  frameStart: number;
  frameEnd: number;
  fps: number;
  versionCount: number;
  latestVersionId: string | null;
  thumbnailSha: string | null;
};

export async function listShots(db: Queryable, where: { showId: string }): Promise<ShotSummary[]> {
  const rows = await db.select().from(shots).where(eq(shots.showId, where.showId)).orderBy(asc(shots.code));
  const vs = await db
    .select({ id: versions.id, shotId: versions.shotId, number: versions.number })
    .from(versions)
    .where(eq(versions.showId, where.showId));
  const latestByShot = new Map<string, { id: string; number: number }>();
  const counts = new Map<string, number>();
  for (const v of vs) {
    counts.set(v.shotId, (counts.get(v.shotId) ?? 0) + 1);
    const best = latestByShot.get(v.shotId);
    if (!best || v.number > best.number) latestByShot.set(v.shotId, v);
  }
  const latestIds = [...latestByShot.values()].map((v) => v.id);
  const firstFrames = latestIds.length
    ? await db
        .selectDistinctOn([frames.versionId], { versionId: frames.versionId, sha256: frames.sha256 })
        .from(frames)
        .where(and(eq(frames.showId, where.showId), inArray(frames.versionId, latestIds)))
        .orderBy(frames.versionId, asc(frames.frameNumber))
    : [];
  const thumbByVersion = new Map(firstFrames.map((f) => [f.versionId, f.sha256]));
  return rows.map((s) => {
    const latest = latestByShot.get(s.id);
    return {
      id: s.id,
      code: s.code,
      description: s.description,
      status: s.status,
      frameStart: s.frameStart,
      frameEnd: s.frameEnd,
      fps: s.fps,
      versionCount: counts.get(s.id) ?? 0,
      latestVersionId: latest?.id ?? null,
      thumbnailSha: latest ? (thumbByVersion.get(latest.id) ?? null) : null,
    };
  });
}

/** Recomputes and stores a shot's status from its versions (same transaction as the change). */
export async function refreshShotStatus(
  db: Queryable,
  where: { showId: string; shotId: string },
): Promise<ShotStatus> {
  const vs = await db
    .select({ number: versions.number, status: versions.status })
    .from(versions)
    .where(and(eq(versions.showId, where.showId), eq(versions.shotId, where.shotId)));
  const status = deriveShotStatus(vs);
  await db
    .update(shots)
    .set({ status })
    .where(
      and(eq(shots.showId, where.showId), eq(shots.id, where.shotId), sql`${shots.status} <> ${status}`),
    );
  return status;
}
