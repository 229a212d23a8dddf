import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { inScope, type Transaction } from "~/db/client";
import type { Show, ShowRole } from "~/db/schema";
import type { Permission } from "~/server/auth/permissions";
import type { Context } from "~/server/context";
import { AppError, type AppErrorCode } from "~/server/errors";
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from "~/server/services/database/db-errors";
import { findUnstorableText, isDataException } from "~/server/services/database/input-guard";
import { requireShowAccess } from "~/server/services/shows/show-access";

const TRPC_CODE: Record<AppErrorCode, TRPCError["code"]> = {
  NOT_FOUND: "NOT_FOUND",
  FORBIDDEN: "FORBIDDEN",
  CONFLICT: "CONFLICT",
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    return {
      ...shape,
      message: internal
        ? "Something went wrong on our side. Try again; if it persists, tell your admin."
        : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        zodError,
      },
    };
  },
});

/** Domain errors become tRPC errors here, and only here. */
const mapErrors = t.middleware(async ({ next, getRawInput }) => {
  const unstorable = findUnstorableText(await getRawInput().catch(() => undefined));
  if (unstorable) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `${unstorable} contains a character Shotboard cannot store (a NUL character or broken Unicode). Remove it and try again.`,
    });
  }
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) {
      throw new TRPCError({ code: TRPC_CODE[cause.code], message: cause.message, cause });
    }
    if (isDatabaseUnavailable(cause)) {
      throw new TRPCError({
        code: "SERVICE_UNAVAILABLE",
        message: DATABASE_UNAVAILABLE,
        cause,
      });
    }
    if (isDataException(cause)) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message:
          "A value is out of range or malformed for what it describes. Nothing was saved; correct it and try again.",
        cause,
      });
    }
    if (result.error.code === "INTERNAL_SERVER_ERROR") console.error("[trpc]", cause ?? result.error);
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(mapErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new AppError("UNAUTHORIZED", "Your session has ended. Sign in again.");
  return next({ ctx: { session: ctx.session } });
});

export type ShowContext = {
  show: Show;
  role: ShowRole;
  /** Runs queries in a transaction scoped to this show and user (row-level security). */
  scoped: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>;
};

/** The input every show-scoped procedure extends; the isolation test finds them by it. */
export const ZShowScopeInput = z.object({ showId: z.uuid() });

/**
 * The only way into a show: `requireShowAccess` resolves the show from `input.showId`, loads the
 * caller's live membership, refuses non-members with the same NOT_FOUND as a missing id, members
 * without `permission` with FORBIDDEN naming it, and writes on a locked show.
 */
export function showProcedure(permission: Permission) {
  return protectedProcedure.input(ZShowScopeInput).use(async ({ ctx, input, next }) => {
    const userId = ctx.session.user.id;
    const access = await requireShowAccess(ctx.db, { showId: input.showId, userId }, permission);
    const showCtx: ShowContext = {
      show: access.show,
      role: access.role,
      scoped: (fn) => inScope(ctx.db, { showId: access.show.id, userId }, fn),
    };
    return next({ ctx: showCtx });
  });
}
