import { ReviewBoard } from "~/app/_components/review-board";
import { TopBar } from "~/app/_components/top-bar";
import { orNotFound, pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

export default async function BoardPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; boardId: string }>;
  /** `?version=<id>&frame=<n>` opens the board on that version and frame (links from My notes). */
  searchParams: Promise<{ version?: string; frame?: string }>;
}) {
  const { slug, boardId } = await params;
  const { version, frame } = await searchParams;
  const { caller, user } = await pageCaller(`/shows/${slug}/boards/${boardId}`);
  const show = await orNotFound(caller.show.bySlug({ slug }));
  const board = await orNotFound(caller.board.get({ showId: show.id, boardId }));
  const frameNumber = frame !== undefined && /^\d{1,9}$/.test(frame) ? Number(frame) : undefined;
  return (
    <>
      <TopBar userName={user.name}>
        <a href={`/shows/${show.slug}`}>{show.title}</a> <span>/ {board.title}</span>
      </TopBar>
      <ReviewBoard
        show={show}
        user={user}
        board={{ id: board.id, title: board.title, presenterId: board.presenterId }}
        playlist={board.playlist}
        initialVersionId={version}
        initialFrame={frameNumber}
      />
    </>
  );
}
