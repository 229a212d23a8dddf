import { adminRouter } from "~/server/routers/admin";
import { auditRouter } from "~/server/routers/audit";
import { boardRouter } from "~/server/routers/board";
import { creditsRouter } from "~/server/routers/credits";
import { memberRouter } from "~/server/routers/member";
import { notesRouter } from "~/server/routers/notes";
import { provenanceRouter } from "~/server/routers/provenance";
import { sessionRouter } from "~/server/routers/session";
import { showRouter } from "~/server/routers/show";
import { talentRouter } from "~/server/routers/talent";
import { tokenRouter } from "~/server/routers/token";
import { versionRouter } from "~/server/routers/version";
import { createCallerFactory, router } from "~/server/trpc";

export const appRouter = router({
  session: sessionRouter,
  show: showRouter,
  board: boardRouter,
  version: versionRouter,
  audit: auditRouter,
  credits: creditsRouter,
  member: memberRouter,
  notes: notesRouter,
  admin: adminRouter,
  token: tokenRouter,
  provenance: provenanceRouter,
  talent: talentRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
