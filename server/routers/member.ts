import { z } from "zod";
import { showRole } from "~/db/schema";
import { showAccessChanged } from "~/server/services/shows/access-events";
import {
  addMember,
  listMembers,
  removeMember,
  setMemberExpiry,
  setMemberRole,
} from "~/server/services/shows/members";
import { router, showProcedure } from "~/server/trpc";

const ZRole = z.enum(showRole.enumValues);
const ZExpiry = z.date().nullable();

export const ZAddMemberInput = z.object({
  email: z
    .string()
    .trim()
    .max(320)
    .pipe(z.email({ error: "Enter the person's email address, e.g. name@studio.com" })),
  role: ZRole,
  expiresAt: ZExpiry.default(null),
});
export type TAddMemberInput = z.infer<typeof ZAddMemberInput>;

export const ZMembershipInput = z.object({ membershipId: z.uuid() });
export const ZSetRoleInput = ZMembershipInput.extend({ role: ZRole });
export const ZSetExpiryInput = ZMembershipInput.extend({ expiresAt: ZExpiry });

/** Who is on the show. Every change is audited and re-checks open live connections at once. */
export const memberRouter = router({
  list: showProcedure("view").query(({ ctx }) =>
    ctx.scoped((tx) => listMembers(tx, { showId: ctx.show.id })),
  ),

  add: showProcedure("manageMembers")
    .input(ZAddMemberInput)
    .mutation(async ({ ctx, input }) => {
      const member = await ctx.scoped((tx) =>
        addMember(tx, { ...input, showId: ctx.show.id, actorUserId: ctx.session.user.id }),
      );
      showAccessChanged(ctx.show.id);
      return member;
    }),

  setRole: showProcedure("manageMembers")
    .input(ZSetRoleInput)
    .mutation(async ({ ctx, input }) => {
      const member = await ctx.scoped((tx) =>
        setMemberRole(tx, { ...input, showId: ctx.show.id, actorUserId: ctx.session.user.id }),
      );
      showAccessChanged(ctx.show.id);
      return member;
    }),

  setExpiry: showProcedure("manageMembers")
    .input(ZSetExpiryInput)
    .mutation(async ({ ctx, input }) => {
      const member = await ctx.scoped((tx) =>
        setMemberExpiry(tx, { ...input, showId: ctx.show.id, actorUserId: ctx.session.user.id }),
      );
      showAccessChanged(ctx.show.id);
      return member;
    }),

  remove: showProcedure("manageMembers")
    .input(ZMembershipInput)
    .mutation(async ({ ctx, input }) => {
      const removed = await ctx.scoped((tx) =>
        removeMember(tx, { ...input, showId: ctx.show.id, actorUserId: ctx.session.user.id }),
      );
      showAccessChanged(ctx.show.id);
      return removed;
    }),
});
