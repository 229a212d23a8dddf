import { signOutEverywhere } from "~/server/services/shows/sessions";
import { protectedProcedure, publicProcedure, router } from "~/server/trpc";

export const sessionRouter = router({
  /** Who the cookie belongs to, or null: lets the browser tell "signed out" from "no access". */
  me: publicProcedure.query(({ ctx }) => ctx.session?.user ?? null),
  /** Ends every session of the caller, this one included, and closes their live connections. */
  signOutEverywhere: protectedProcedure.mutation(async ({ ctx }) => {
    await signOutEverywhere(ctx.db, ctx.session.user.id);
    return { ok: true as const };
  }),
});
