import { z } from "zod";
import {
  createPipelineToken,
  listPipelineTokens,
  revokePipelineToken,
} from "~/server/services/shows/pipeline-tokens";
import { router, showProcedure } from "~/server/trpc";

export const ZCreateTokenInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name the token after the pipeline that will use it, e.g. “comfy-farm”")
    .max(100, "Keep the name under 100 characters"),
});
export type TCreateTokenInput = z.infer<typeof ZCreateTokenInput>;

export const ZTokenInput = z.object({ tokenId: z.uuid() });

/** Show-scoped pipeline tokens (DESIGN.md "Pipeline token"): producers create, list and revoke them. */
export const tokenRouter = router({
  list: showProcedure("manageMembers").query(({ ctx }) =>
    ctx.scoped((tx) => listPipelineTokens(tx, { showId: ctx.show.id })),
  ),

  /** The secret is in this answer only; afterwards only its prefix is ever shown. */
  create: showProcedure("manageMembers")
    .input(ZCreateTokenInput)
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        createPipelineToken(tx, { showId: ctx.show.id, name: input.name, actorUserId: ctx.session.user.id }),
      ),
    ),

  revoke: showProcedure("manageMembers")
    .input(ZTokenInput)
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        revokePipelineToken(tx, {
          showId: ctx.show.id,
          tokenId: input.tokenId,
          actorUserId: ctx.session.user.id,
        }),
      ),
    ),
});
