import { z } from "zod";
import { getProvenance, updateProvenance, ZProvenanceChanges } from "~/server/services/provenance/provenance";
import { router, showProcedure } from "~/server/trpc";

export const ZProvenanceRef = z.object({ versionId: z.uuid() });
export const ZProvenanceUpdateInput = ZProvenanceRef.extend({ changes: ZProvenanceChanges });
export type TProvenanceUpdateInput = z.input<typeof ZProvenanceUpdateInput>;

export const provenanceRouter = router({
  /** Typed fields and what the files said, kept apart; likenesses, lineage, pickers. */
  get: showProcedure("view")
    .input(ZProvenanceRef)
    .query(({ ctx, input }) =>
      ctx.scoped((tx) => getProvenance(tx, { showId: ctx.show.id, versionId: input.versionId })),
    ),

  /** Until sign-off: edits what people typed (never what was read from the files). */
  update: showProcedure("upload")
    .input(ZProvenanceUpdateInput)
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        updateProvenance(tx, {
          showId: ctx.show.id,
          versionId: input.versionId,
          userId: ctx.session.user.id,
          changes: input.changes,
        }),
      ),
    ),
});
