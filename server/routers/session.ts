import { publicProcedure, router } from "~/server/trpc";

export const sessionRouter = router({
  /** Who the cookie belongs to, or null: lets the browser tell "signed out" from "no access". */
  me: publicProcedure.query(({ ctx }) => ctx.session?.user ?? null),
});
