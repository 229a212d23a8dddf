import { z } from "zod";
import { permissionsOf } from "~/server/auth/permissions";
import { notFound } from "~/server/errors";
import { showAccessChanged } from "~/server/services/shows/access-events";
import { listBoards } from "~/server/services/shows/boards";
import { listShots } from "~/server/services/shows/shots";
import { listMyShows, loadShowAccess, setShowLocked } from "~/server/services/shows/shows";
import {
  GATE_LABELS,
  readGateSettings,
  setGateSettings,
  ZGateSettings,
} from "~/server/services/signoff/gates";
import { protectedProcedure, router, showProcedure } from "~/server/trpc";

export const ZShowSlugInput = z.object({ slug: z.string().min(1).max(100) });
export const ZSetLockedInput = z.object({ locked: z.boolean() });

export const showRouter = router({
  /** Every show the caller is a live member of, with their role there. */
  mine: protectedProcedure.query(({ ctx }) => listMyShows(ctx.db, ctx.session.user.id)),

  /** Resolves a URL slug to a show the caller belongs to; NOT_FOUND otherwise. */
  bySlug: protectedProcedure.input(ZShowSlugInput).query(async ({ ctx, input }) => {
    const access = await loadShowAccess(ctx.db, { slug: input.slug, userId: ctx.session.user.id });
    if (!access) throw notFound();
    const { show, role } = access;
    return {
      id: show.id,
      slug: show.slug,
      title: show.title,
      codeName: show.codeName,
      state: show.state,
      role,
      permissions: permissionsOf(role),
    };
  }),

  /** The show's governance gates for sign-off (all on by default). */
  gates: showProcedure("view").query(({ ctx }) =>
    ctx.scoped(async (tx) => ({
      gates: await readGateSettings(tx, { showId: ctx.show.id }),
      labels: GATE_LABELS,
    })),
  ),

  /** Producers switch gates per show (permission editCredits: producers only, refused on a locked show); audited. */
  setGates: showProcedure("editCredits")
    .input(z.object({ gates: ZGateSettings }))
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        setGateSettings(tx, { showId: ctx.show.id, userId: ctx.session.user.id, gates: input.gates }),
      ),
    ),

  overview: showProcedure("view").query(({ ctx }) =>
    ctx.scoped(async (tx) => ({
      shots: await listShots(tx, { showId: ctx.show.id }),
      boards: await listBoards(tx, { showId: ctx.show.id }),
    })),
  ),

  /** Locks the show (read-only for everyone, live annotation included) or unlocks it. Audited. */
  setLocked: showProcedure("lockShow")
    .input(ZSetLockedInput)
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.scoped((tx) =>
        setShowLocked(tx, { showId: ctx.show.id, actorUserId: ctx.session.user.id, locked: input.locked }),
      );
      if (result.changed) showAccessChanged(ctx.show.id);
      return { state: result.state };
    }),
});
