import type { Database } from "~/db/client";
import type { Show, ShowRole } from "~/db/schema";
import { can, isWrite, PERMISSION_LABELS, type Permission } from "~/server/auth/permissions";
import { AppError, notFound } from "~/server/errors";
import { loadShowAccess, type ShowAccess } from "~/server/services/shows/shows";

export const SHOW_LOCKED_MESSAGE = "This show is locked: it is read-only until a producer unlocks it.";

/** The one refusal of a write on a show that is not active (locked or archived). */
export function assertShowWritable(state: Show["state"]): void {
  if (state !== "active") throw new AppError("FORBIDDEN", SHOW_LOCKED_MESSAGE);
}

function assertPermitted(role: ShowRole, permission: Permission): void {
  if (!can(role, permission)) {
    throw new AppError(
      "FORBIDDEN",
      `Your role on this show (${role}) does not allow you to ${PERMISSION_LABELS[permission]} (permission "${permission}").`,
    );
  }
}

/**
 * The only way into a show, for tRPC (`showProcedure`) and the upload routes alike. Resolves the
 * show by id or slug and loads the caller's live membership; non-members get the same NOT_FOUND
 * as a missing show, members without `permission` FORBIDDEN naming it, and a write on a show
 * that is not active is refused.
 */
export async function requireShowAccess(
  db: Database,
  where: { showId?: string; slug?: string; userId: string },
  permission: Permission,
): Promise<ShowAccess> {
  const access = await loadShowAccess(db, where);
  if (!access) throw notFound();
  assertPermitted(access.role, permission);
  if (isWrite(permission)) assertShowWritable(access.show.state);
  return access;
}
