import { ReviewBoard } from "~/app/_components/review-board";
import { TopBar } from "~/app/_components/top-bar";
import { orNotFound, pageCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

export default async function BoardPage({ params }: { params: Promise<{ slug: string; boardId: string }> }) {
  const { slug, boardId } = await params;
  const { caller, user } = await pageCaller(`/shows/${slug}/boards/${boardId}`);
  const show = await orNotFound(caller.show.bySlug({ slug }));
  const board = await orNotFound(caller.board.get({ showId: show.id, boardId }));
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
      />
    </>
  );
}
