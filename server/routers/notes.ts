import { z } from "zod";
import { boardNotes, listMyNotes } from "~/server/services/notes/notes";
import { liveChangesStored } from "~/server/services/shows/live-changes";
import { protectedProcedure, router, showProcedure } from "~/server/trpc";

export const ZBoardNotesInput = z.object({ boardId: z.uuid() });

export const notesRouter = router({
  /**
   * Every note on the caller's versions and every note mentioning them, newest first, across
   * the shows where they hold a live membership (each read under that show's scope).
   */
  mine: protectedProcedure
    .input(z.object({ search: z.string().max(200).optional() }).optional())
    .query(({ ctx, input }) => listMyNotes(ctx.db, { userId: ctx.session.user.id, search: input?.search })),

  /** A board's notes, version by version, for the CSV and PDF exports. */
  board: showProcedure("view")
    .input(ZBoardNotesInput)
    .query(async ({ ctx, input }) => {
      await liveChangesStored(ctx.show.id); // an export right after a stroke includes it
      return ctx.scoped((tx) => boardNotes(tx, { showId: ctx.show.id, boardId: input.boardId }));
    }),
});
