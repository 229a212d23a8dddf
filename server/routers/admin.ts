import { z } from "zod";
import { createShow } from "~/server/services/shows/admin";
import { listUsers, setUserDisabled } from "~/server/services/shows/sessions";
import { protectedProcedure, router } from "~/server/trpc";

export const ZCreateShowInput = z.object({
  slug: z
    .string()
    .trim()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/, {
      error: "Use 1–50 lowercase letters, digits and hyphens, e.g. moonfall or tide-2",
    }),
  title: z.string().trim().min(1, { error: "Give the show a title" }).max(200),
  codeName: z
    .string()
    .trim()
    .max(100)
    .nullish()
    .transform((v) => v || null),
  producerEmail: z
    .string()
    .trim()
    .max(320)
    .pipe(z.email({ error: "Enter the first producer's email address" })),
});
export type TCreateShowInput = z.infer<typeof ZCreateShowInput>;

export const ZSetUserDisabledInput = z.object({ userId: z.uuid(), disabled: z.boolean() });
export type TSetUserDisabledInput = z.infer<typeof ZSetUserDisabledInput>;

/** Studio administration: creating shows. Not show-scoped; the admin flag is checked in the service. */
export const adminRouter = router({
  createShow: protectedProcedure
    .input(ZCreateShowInput)
    .mutation(({ ctx, input }) => createShow(ctx.db, ctx.session.user, input)),
  users: protectedProcedure.query(({ ctx }) => listUsers(ctx.db, ctx.session.user)),
  /** Disabling ends every session of the account at once, open live boards included. */
  setUserDisabled: protectedProcedure
    .input(ZSetUserDisabledInput)
    .mutation(({ ctx, input }) => setUserDisabled(ctx.db, ctx.session.user, input)),
});
