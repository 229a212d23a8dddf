import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import { type Database, inScope, type Transaction } from "~/db/client";
import { memberships, type Show, type ShowRole, shows } from "~/db/schema";
import { AppError, notFound } from "~/server/errors";
import { appendAudit } from "~/server/services/audit/audit";

export type ShowAccess = { show: Show; role: ShowRole; expiresAt: Date | null };

/** A membership that has not expired. */
export function liveMembership() {
  return or(isNull(memberships.expiresAt), gt(memberships.expiresAt, new Date()));
}

/** The caller's live (unexpired) membership of a show, or null: the basis of every show check. */
export async function loadShowAccess(
  db: Database,
  where: { showId?: string; slug?: string; userId: string },
): Promise<ShowAccess | null> {
  const showMatch = where.showId ? eq(shows.id, where.showId) : eq(shows.slug, where.slug ?? "");
  const [row] = await inScope(db, { userId: where.userId }, (tx) =>
    tx
      .select({ show: shows, role: memberships.role, expiresAt: memberships.expiresAt })
      .from(memberships)
      .innerJoin(shows, eq(shows.id, memberships.showId))
      .where(and(eq(memberships.userId, where.userId), showMatch, liveMembership()))
      .limit(1),
  );
  return row ?? null;
}

export type MyShow = {
  id: string;
  slug: string;
  title: string;
  codeName: string | null;
  state: Show["state"];
  role: ShowRole;
};

export async function listMyShows(db: Database, userId: string): Promise<MyShow[]> {
  return inScope(db, { userId }, (tx) =>
    tx
      .select({
        id: shows.id,
        slug: shows.slug,
        title: shows.title,
        codeName: shows.codeName,
        state: shows.state,
        role: memberships.role,
      })
      .from(memberships)
      .innerJoin(shows, eq(shows.id, memberships.showId))
      .where(and(eq(memberships.userId, userId), liveMembership()))
      .orderBy(asc(shows.title)),
  );
}

/**
 * Locks a show (read-only for everyone, live annotation included) or unlocks it. Setting the
 * state it already has changes nothing and records nothing. Archived shows stay archived.
 */
export async function setShowLocked(
  tx: Transaction,
  input: { showId: string; actorUserId: string; locked: boolean },
): Promise<{ state: Show["state"]; changed: boolean }> {
  const [show] = await tx.select().from(shows).where(eq(shows.id, input.showId)).for("update");
  if (!show) throw notFound();
  if (show.state === "archived") {
    throw new AppError("CONFLICT", "This show is archived; it cannot be locked or unlocked.");
  }
  const state = input.locked ? "locked" : "active";
  if (show.state === state) return { state, changed: false };
  await tx.update(shows).set({ state }).where(eq(shows.id, input.showId));
  await appendAudit(tx, {
    showId: input.showId,
    actorUserId: input.actorUserId,
    action: input.locked ? "show.locked" : "show.unlocked",
    subject: `show:${input.showId}`,
    payload: { from: show.state, to: state },
  });
  return { state, changed: true };
}
