import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import { contributionClass, contributorKind, guild, memberships, talent, users } from "~/db/schema";
import {
  addCredit,
  listCredits,
  lockCredits,
  proposeCredits,
  removeCredit,
  unlockCredits,
  updateCredit,
} from "~/server/services/credits/credits";
import { creditsReport } from "~/server/services/credits/credits-report";
import { router, showProcedure } from "~/server/trpc";

export const ZCreditFields = z.object({
  contributorKind: z.enum(contributorKind.enumValues),
  userId: z.uuid().nullable().optional(),
  talentId: z.uuid().nullable().optional(),
  contributorName: z.string().trim().min(1, "Name the contributor.").max(200),
  department: z.string().trim().max(100).default(""),
  contributionClass: z.enum(contributionClass.enumValues),
  guild: z.enum(guild.enumValues).default("none"),
  notes: z.string().max(2000).default(""),
});

/** An edit names only what changes (no defaults, so absent fields stay as they are). */
export const ZCreditChanges = z.object({
  contributorKind: z.enum(contributorKind.enumValues).optional(),
  userId: z.uuid().nullable().optional(),
  talentId: z.uuid().nullable().optional(),
  contributorName: z.string().trim().min(1, "Name the contributor.").max(200).optional(),
  department: z.string().trim().max(100).optional(),
  contributionClass: z.enum(contributionClass.enumValues).optional(),
  guild: z.enum(guild.enumValues).optional(),
  notes: z.string().max(2000).optional(),
});

const ZVersionRef = z.object({ versionId: z.uuid() });
const ZCreditRef = z.object({ creditId: z.uuid() });

export const creditsRouter = router({
  list: showProcedure("view")
    .input(z.object({ shotId: z.uuid().optional(), versionId: z.uuid().optional() }))
    .query(({ ctx, input }) => ctx.scoped((tx) => listCredits(tx, { ...input, showId: ctx.show.id }))),

  /** Per shot, per person, per department, and the AI disclosure summary. */
  report: showProcedure("view").query(({ ctx }) =>
    ctx.scoped((tx) => creditsReport(tx, { showId: ctx.show.id })),
  ),

  /** Who can be credited: show members and the show's talent registry. */
  contributors: showProcedure("view").query(({ ctx }) =>
    ctx.scoped(async (tx) => ({
      members: await tx
        .select({ userId: users.id, name: users.name, role: memberships.role })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.showId, ctx.show.id))
        .orderBy(asc(users.name)),
      talent: await tx
        .select({ talentId: talent.id, name: talent.name, guild: talent.guild })
        .from(talent)
        .where(eq(talent.showId, ctx.show.id))
        .orderBy(asc(talent.name)),
    })),
  ),

  propose: showProcedure("editCredits")
    .input(ZVersionRef)
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        proposeCredits(tx, { showId: ctx.show.id, versionId: input.versionId, userId: ctx.session.user.id }),
      ),
    ),

  add: showProcedure("editCredits")
    .input(ZVersionRef.extend({ credit: ZCreditFields }))
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        addCredit(tx, {
          showId: ctx.show.id,
          versionId: input.versionId,
          userId: ctx.session.user.id,
          credit: input.credit,
        }),
      ),
    ),

  update: showProcedure("editCredits")
    .input(ZCreditRef.extend({ changes: ZCreditChanges }))
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        updateCredit(tx, {
          showId: ctx.show.id,
          creditId: input.creditId,
          userId: ctx.session.user.id,
          changes: input.changes,
        }),
      ),
    ),

  /** A producer accepts a proposed credit as it is. */
  confirm: showProcedure("editCredits")
    .input(ZCreditRef)
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        updateCredit(tx, {
          showId: ctx.show.id,
          creditId: input.creditId,
          userId: ctx.session.user.id,
          changes: {},
        }),
      ),
    ),

  remove: showProcedure("editCredits")
    .input(ZCreditRef)
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        removeCredit(tx, { showId: ctx.show.id, creditId: input.creditId, userId: ctx.session.user.id }),
      ),
    ),

  lock: showProcedure("editCredits")
    .input(ZVersionRef)
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        lockCredits(tx, {
          showId: ctx.show.id,
          versionId: input.versionId,
          userId: ctx.session.user.id,
          trigger: "producer",
        }),
      ),
    ),

  /** Signed-off credits change only after this: a producer's unlock, with a reason, audited. */
  unlock: showProcedure("editCredits")
    .input(ZVersionRef.extend({ reason: z.string().max(2000) }))
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        unlockCredits(tx, {
          showId: ctx.show.id,
          versionId: input.versionId,
          userId: ctx.session.user.id,
          reason: input.reason,
        }),
      ),
    ),
});
