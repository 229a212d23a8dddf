import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { Queryable } from "~/db/client";
import {
  type DecisionKind,
  decisions,
  frames,
  shots,
  users,
  type VersionStatus,
  versions,
} from "~/db/schema";
import { notFound } from "~/server/errors";

export type FrameInfo = { frameNumber: number; sha256: string; width: number; height: number };

export type VersionDetail = {
  id: string;
  number: number;
  status: VersionStatus;
  note: string;
  createdAt: Date;
  submittedBy: string | null;
  shot: { id: string; code: string; frameStart: number; frameEnd: number; fps: number };
  frames: FrameInfo[];
  /** A clip version: its media, played at the shot's fps from the shot's first frame. */
  clip: { sha256: string; frameStart: number; fps: number } | null;
};

export async function getVersions(
  db: Queryable,
  where: { showId: string; versionIds: string[] },
): Promise<VersionDetail[]> {
  if (where.versionIds.length === 0) return [];
  const rows = await db
    .select({ version: versions, shot: shots, submittedBy: users.name })
    .from(versions)
    .innerJoin(shots, and(eq(shots.id, versions.shotId), eq(shots.showId, where.showId)))
    .leftJoin(users, eq(users.id, versions.submittedBy))
    .where(and(eq(versions.showId, where.showId), inArray(versions.id, where.versionIds)));
  const frameRows = await db
    .select()
    .from(frames)
    .where(and(eq(frames.showId, where.showId), inArray(frames.versionId, where.versionIds)))
    .orderBy(asc(frames.versionId), asc(frames.frameNumber));
  const framesByVersion = new Map<string, FrameInfo[]>();
  for (const f of frameRows) {
    const list = framesByVersion.get(f.versionId) ?? [];
    list.push({ frameNumber: f.frameNumber, sha256: f.sha256, width: f.width, height: f.height });
    framesByVersion.set(f.versionId, list);
  }
  return rows.map(({ version, shot, submittedBy }) => ({
    id: version.id,
    number: version.number,
    status: version.status,
    note: version.note,
    createdAt: version.createdAt,
    submittedBy,
    shot: {
      id: shot.id,
      code: shot.code,
      frameStart: shot.frameStart,
      frameEnd: shot.frameEnd,
      fps: shot.fps,
    },
    frames: framesByVersion.get(version.id) ?? [],
    clip: version.clipSha256
      ? { sha256: version.clipSha256, frameStart: shot.frameStart, fps: shot.fps }
      : null,
  }));
}

export async function getVersion(
  db: Queryable,
  where: { showId: string; versionId: string },
): Promise<VersionDetail> {
  const [version] = await getVersions(db, { showId: where.showId, versionIds: [where.versionId] });
  if (!version) throw notFound();
  return version;
}

export type DecisionSummary = {
  id: string;
  kind: DecisionKind;
  reason: string;
  role: string;
  userName: string;
  createdAt: Date;
  frameHashes: string[];
};

export async function listDecisions(
  db: Queryable,
  where: { showId: string; versionId: string },
): Promise<DecisionSummary[]> {
  // Another show's version id answers like a missing one, not with an empty history.
  const [version] = await db
    .select({ id: versions.id })
    .from(versions)
    .where(and(eq(versions.showId, where.showId), eq(versions.id, where.versionId)));
  if (!version) throw notFound();
  return db
    .select({
      id: decisions.id,
      kind: decisions.kind,
      reason: decisions.reason,
      role: decisions.role,
      userName: users.name,
      createdAt: decisions.createdAt,
      frameHashes: decisions.frameHashes,
    })
    .from(decisions)
    .innerJoin(users, eq(users.id, decisions.userId))
    .where(and(eq(decisions.showId, where.showId), eq(decisions.versionId, where.versionId)))
    .orderBy(desc(decisions.createdAt));
}
