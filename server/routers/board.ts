import { z } from "zod";
import { getBoard } from "~/server/services/shows/boards";
import { router, showProcedure } from "~/server/trpc";

export const ZBoardInput = z.object({ boardId: z.uuid() });

export const boardRouter = router({
  get: showProcedure("view")
    .input(ZBoardInput)
    .query(({ ctx, input }) =>
      ctx.scoped((tx) => getBoard(tx, { showId: ctx.show.id, boardId: input.boardId })),
    ),
});
