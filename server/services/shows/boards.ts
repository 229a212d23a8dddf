import { and, asc, desc, eq } from "drizzle-orm";
import type { Queryable } from "~/db/client";
import { boardItems, boards, users } from "~/db/schema";
import { notFound } from "~/server/errors";
import { getVersions, type VersionDetail } from "~/server/services/shows/versions";

export type BoardSummary = {
  id: string;
  title: string;
  sessionDate: string;
  isOpen: boolean;
  presenterName: string | null;
};

export async function listBoards(db: Queryable, where: { showId: string }): Promise<BoardSummary[]> {
  return db
    .select({
      id: boards.id,
      title: boards.title,
      sessionDate: boards.sessionDate,
      isOpen: boards.isOpen,
      presenterName: users.name,
    })
    .from(boards)
    .leftJoin(users, eq(users.id, boards.presenterId))
    .where(eq(boards.showId, where.showId))
    .orderBy(desc(boards.sessionDate), asc(boards.title));
}

export type BoardDetail = BoardSummary & { presenterId: string | null; playlist: VersionDetail[] };

export async function getBoard(
  db: Queryable,
  where: { showId: string; boardId: string },
): Promise<BoardDetail> {
  const [board] = await db
    .select({ board: boards, presenterName: users.name })
    .from(boards)
    .leftJoin(users, eq(users.id, boards.presenterId))
    .where(and(eq(boards.showId, where.showId), eq(boards.id, where.boardId)))
    .limit(1);
  if (!board) throw notFound();
  const items = await db
    .select({ versionId: boardItems.versionId })
    .from(boardItems)
    .where(and(eq(boardItems.showId, where.showId), eq(boardItems.boardId, where.boardId)))
    .orderBy(asc(boardItems.position));
  const details = await getVersions(db, { showId: where.showId, versionIds: items.map((i) => i.versionId) });
  const byId = new Map(details.map((d) => [d.id, d]));
  return {
    id: board.board.id,
    title: board.board.title,
    sessionDate: board.board.sessionDate,
    isOpen: board.board.isOpen,
    presenterId: board.board.presenterId,
    presenterName: board.presenterName,
    playlist: items.flatMap((i) => byId.get(i.versionId) ?? []),
  };
}
