import { z } from "zod";
import {
  addConsent,
  addTalent,
  listTalent,
  revokeConsent,
  updateTalent,
  ZConsentFields,
  ZTalentChanges,
  ZTalentFields,
} from "~/server/services/provenance/talent";
import { router, showProcedure } from "~/server/trpc";

const ZTalentRef = z.object({ talentId: z.uuid() });

/** The show's talent & likeness consent registry; producers keep it (permission editCredits). */
export const talentRouter = router({
  list: showProcedure("view").query(({ ctx }) => ctx.scoped((tx) => listTalent(tx, { showId: ctx.show.id }))),

  add: showProcedure("editCredits")
    .input(z.object({ talent: ZTalentFields }))
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        addTalent(tx, { showId: ctx.show.id, userId: ctx.session.user.id, talent: input.talent }),
      ),
    ),

  update: showProcedure("editCredits")
    .input(ZTalentRef.extend({ changes: ZTalentChanges }))
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        updateTalent(tx, {
          showId: ctx.show.id,
          userId: ctx.session.user.id,
          talentId: input.talentId,
          changes: input.changes,
        }),
      ),
    ),

  addConsent: showProcedure("editCredits")
    .input(ZTalentRef.extend({ consent: ZConsentFields }))
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        addConsent(tx, {
          showId: ctx.show.id,
          userId: ctx.session.user.id,
          talentId: input.talentId,
          consent: input.consent,
        }),
      ),
    ),

  revokeConsent: showProcedure("editCredits")
    .input(z.object({ consentId: z.uuid(), reason: z.string().max(2000).default("") }))
    .mutation(({ ctx, input }) =>
      ctx.scoped((tx) =>
        revokeConsent(tx, {
          showId: ctx.show.id,
          userId: ctx.session.user.id,
          consentId: input.consentId,
          reason: input.reason,
        }),
      ),
    ),
});
