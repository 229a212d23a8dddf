import { z } from "zod";
import { listAuditPage } from "~/server/services/audit/audit-page";
import { exportEvents, verifyShowChain } from "~/server/services/audit/audit-verify";
import { router, showProcedure } from "~/server/trpc";

export const ZAuditListInput = z.object({
  /** Events with a seq below this one (paging backwards from the newest). */
  beforeSeq: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(500).default(100),
});

export const auditRouter = router({
  /** Walks the show's whole chain: "intact, N events, head hash …" or the first broken event. */
  verify: showProcedure("readAudit").query(({ ctx }) =>
    ctx.scoped((tx) => verifyShowChain(tx, { showId: ctx.show.id })),
  ),

  /** Every event in seq order with exactly the hashed fields: the JSON Lines export. */
  export: showProcedure("readAudit").query(({ ctx }) =>
    ctx.scoped((tx) => exportEvents(tx, { showId: ctx.show.id })),
  ),

  /** Newest first, with the actor's name. */
  list: showProcedure("readAudit")
    .input(ZAuditListInput)
    .query(({ ctx, input }) => ctx.scoped((tx) => listAuditPage(tx, { ...input, showId: ctx.show.id }))),
});
