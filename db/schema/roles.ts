import { sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { pgPolicy, pgRole } from "drizzle-orm/pg-core";

/** The role every app query runs as (`set local role`): it owns nothing and cannot bypass RLS. */
export const APP_ROLE = "shotboard_app";
export const appRole = pgRole(APP_ROLE).existing();

export const currentShowId = sql`nullif(current_setting('app.show_id', true), '')::uuid`;
export const currentUserId = sql`nullif(current_setting('app.user_id', true), '')::uuid`;

/** Rows of a show-scoped table are visible and writable only inside that show's transaction. */
export function showIsolation(showId: AnyPgColumn) {
  return pgPolicy("show_isolation", {
    as: "permissive",
    for: "all",
    to: appRole,
    using: sql`${showId} = ${currentShowId}`,
    withCheck: sql`${showId} = ${currentShowId}`,
  });
}
