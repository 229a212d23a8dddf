import { z } from "zod";
import { versionStatus } from "~/db/schema";
import { appendAudit } from "~/server/services/audit/audit";
import { liveChangesStored } from "~/server/services/shows/live-changes";
import { getVersion, listDecisions } from "~/server/services/shows/versions";
import {
  GateRefusalError,
  signoffState,
  type TransitionInput,
  transition,
} from "~/server/services/signoff/signoff";
import { router, type ShowContext, showProcedure } from "~/server/trpc";

export const ZVersionInput = z.object({ versionId: z.uuid() });

export const ZDecideInput = z.object({
  versionId: z.uuid(),
  kind: z.enum(["approved", "changes_requested", "rejected"]),
  reason: z.string().max(4000).default(""),
  expectedStatus: z.enum(versionStatus.enumValues).optional(),
});
export type TDecideInput = z.infer<typeof ZDecideInput>;

export const ZRecommendInput = z.object({
  versionId: z.uuid(),
  reason: z.string().max(4000).default(""),
  expectedStatus: z.enum(versionStatus.enumValues).optional(),
});

export const ZReopenInput = z.object({
  versionId: z.uuid(),
  reason: z.string().max(4000),
  expectedStatus: z.enum(versionStatus.enumValues).optional(),
});

/**
 * Runs a workflow step; a gate refusal rolls the step back and is then recorded on its own,
 * so the audit log shows who tried to sign off what, and why it was refused.
 */
async function runTransition(
  ctx: ShowContext & { session: { user: { id: string } } },
  input: Omit<TransitionInput, "showId" | "userId" | "role">,
) {
  const step: TransitionInput = {
    ...input,
    showId: ctx.show.id,
    userId: ctx.session.user.id,
    role: ctx.role,
  };
  // The notes hash binds what is stored: first store what the live layer already relayed.
  await liveChangesStored(step.showId);
  try {
    return await ctx.scoped((tx) => transition(tx, step));
  } catch (error) {
    if (error instanceof GateRefusalError) {
      await ctx.scoped((tx) =>
        appendAudit(tx, {
          showId: step.showId,
          actorUserId: step.userId,
          action: "signoff.refused",
          subject: `version:${step.versionId}`,
          payload: { kind: step.kind, refusals: error.refusals },
        }),
      );
    }
    throw error;
  }
}

export const versionRouter = router({
  get: showProcedure("view")
    .input(ZVersionInput)
    .query(({ ctx, input }) =>
      ctx.scoped((tx) => getVersion(tx, { showId: ctx.show.id, versionId: input.versionId })),
    ),

  decisions: showProcedure("view")
    .input(ZVersionInput)
    .query(({ ctx, input }) =>
      ctx.scoped((tx) => listDecisions(tx, { showId: ctx.show.id, versionId: input.versionId })),
    ),

  /** Status, gates, blockers, "what was approved" and drift since, for the sign-off panel. */
  signoff: showProcedure("view")
    .input(ZVersionInput)
    .query(({ ctx, input }) =>
      ctx.scoped((tx) => signoffState(tx, { showId: ctx.show.id, versionId: input.versionId })),
    ),

  recommend: showProcedure("recommend")
    .input(ZRecommendInput)
    .mutation(({ ctx, input }) => runTransition(ctx, { ...input, kind: "recommended" })),

  decide: showProcedure("signoff")
    .input(ZDecideInput)
    .mutation(({ ctx, input }) => runTransition(ctx, input)),

  reopen: showProcedure("signoff")
    .input(ZReopenInput)
    .mutation(({ ctx, input }) => runTransition(ctx, { ...input, kind: "reopened" })),
});
