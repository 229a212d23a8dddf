import { asc, eq, sql } from "drizzle-orm";
import { type Database, inScope } from "~/db/client";
import { users } from "~/db/schema";
import type { SessionUser } from "~/server/auth/session";
import { AppError } from "~/server/errors";
import { userSessionsEnded } from "~/server/services/shows/access-events";
import { requireStudioAdmin } from "~/server/services/shows/admin";

/**
 * Ends every session of a user at once: tokens carry the session version they were issued
 * for, and readSession (every request and websocket upgrade) refuses any other. Open live
 * connections are closed by the realtime layer listening to userSessionsEnded.
 */
export async function signOutEverywhere(db: Database, userId: string): Promise<void> {
  await inScope(db, { userId }, (tx) =>
    tx
      .update(users)
      .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
      .where(eq(users.id, userId)),
  );
  userSessionsEnded(userId);
}

export type UserSummary = {
  id: string;
  email: string;
  name: string;
  isStudioAdmin: boolean;
  disabled: boolean;
};

/** Every account, for the studio admin page. */
export async function listUsers(db: Database, admin: SessionUser): Promise<UserSummary[]> {
  requireStudioAdmin(admin, "see the list of accounts");
  const rows = await inScope(db, { userId: admin.id }, (tx) =>
    tx
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        isStudioAdmin: users.isStudioAdmin,
        disabledAt: users.disabledAt,
      })
      .from(users)
      .orderBy(asc(users.email)),
  );
  return rows.map(({ disabledAt, ...u }) => ({ ...u, disabled: disabledAt !== null }));
}

/** Disables (every session ends at once, sign-in refused) or re-enables an account. */
export async function setUserDisabled(
  db: Database,
  admin: SessionUser,
  input: { userId: string; disabled: boolean },
): Promise<UserSummary> {
  requireStudioAdmin(admin, "disable or enable accounts");
  if (input.userId === admin.id && input.disabled)
    throw new AppError("BAD_REQUEST", "You cannot disable your own account. Ask another studio admin.");
  const [row] = await inScope(db, { userId: admin.id }, (tx) =>
    tx
      .update(users)
      .set(
        input.disabled
          ? {
              disabledAt: sql`coalesce(${users.disabledAt}, now())`,
              sessionVersion: sql`${users.sessionVersion} + 1`,
            }
          : { disabledAt: null },
      )
      .where(eq(users.id, input.userId))
      .returning(),
  );
  if (!row) throw new AppError("NOT_FOUND", "No such account. Reload the page: it may have been removed.");
  if (input.disabled) userSessionsEnded(row.id);
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    isStudioAdmin: row.isStudioAdmin,
    disabled: row.disabledAt !== null,
  };
}
