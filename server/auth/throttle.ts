import { and, gt, inArray, sql } from "drizzle-orm";
import { type Database, inScope } from "~/db/client";
import { signinThrottle } from "~/db/schema";
import { LOCKED_PREFIX } from "~/server/auth/signin-error";

/**
 * Sign-in throttling, kept in `signin_throttle` so every node (and a restart) sees the same
 * counts. Two keys per attempt: the account (the email as typed, known or not, so an unknown
 * address behaves exactly like a real one) and the client address. Too many failures inside the
 * window lock the key until `locked_until`; while locked, no password is even checked.
 */
export const THROTTLE = {
  windowMinutes: 15,
  lockMinutes: 15,
  maxAccountFailures: 5,
  maxAddressFailures: 20,
} as const;

export type ThrottleKeys = { account: string; address: string | null };

export function throttleKeys(email: string, address: string | null | undefined): ThrottleKeys {
  return {
    account: `account:${email.trim().toLowerCase()}`,
    address: address ? `address:${address}` : null,
  };
}

function keysOf(k: ThrottleKeys): string[] {
  return k.address ? [k.account, k.address] : [k.account];
}

/** The latest time any of the keys is locked until, or null when sign-in may be tried. */
export async function lockedUntil(db: Database, keys: ThrottleKeys): Promise<Date | null> {
  const rows = await inScope(db, {}, (tx) =>
    tx
      .select({ until: signinThrottle.lockedUntil })
      .from(signinThrottle)
      .where(and(inArray(signinThrottle.key, keysOf(keys)), gt(signinThrottle.lockedUntil, sql`now()`))),
  );
  const times = rows.map((r) => r.until?.getTime() ?? 0).filter((t) => t > 0);
  return times.length ? new Date(Math.max(...times)) : null;
}

/** Counts one failure on each key (atomically); returns the lock it caused, if any. */
export async function recordFailure(db: Database, keys: ThrottleKeys): Promise<Date | null> {
  const window = sql.raw(`interval '${THROTTLE.windowMinutes} minutes'`);
  const lock = sql.raw(`interval '${THROTTLE.lockMinutes} minutes'`);
  const locks: Date[] = [];
  await inScope(db, {}, async (tx) => {
    // Counts older than a day, no longer locking anything, are forgotten (keeps the table small).
    await tx
      .delete(signinThrottle)
      .where(
        sql`${signinThrottle.windowStart} < now() - interval '1 day' and coalesce(${signinThrottle.lockedUntil}, ${signinThrottle.windowStart}) < now()`,
      );
    for (const key of keysOf(keys)) {
      const max = key === keys.account ? THROTTLE.maxAccountFailures : THROTTLE.maxAddressFailures;
      const stale = sql`${signinThrottle.windowStart} < now() - ${window}`;
      const failures = sql`case when ${stale} then 1 else ${signinThrottle.failures} + 1 end`;
      const [row] = await tx
        .insert(signinThrottle)
        .values({ key, failures: 1 })
        .onConflictDoUpdate({
          target: signinThrottle.key,
          set: {
            failures,
            windowStart: sql`case when ${stale} then now() else ${signinThrottle.windowStart} end`,
            lockedUntil: sql`case when ${failures} >= ${max} then now() + ${lock} else ${signinThrottle.lockedUntil} end`,
          },
        })
        .returning({ failures: signinThrottle.failures, lockedUntil: signinThrottle.lockedUntil });
      if (row?.lockedUntil && row.lockedUntil.getTime() > Date.now()) locks.push(row.lockedUntil);
    }
  });
  return locks.length ? new Date(Math.max(...locks.map((d) => d.getTime()))) : null;
}

/** A successful sign-in clears the account's count (not the address's: one good account must not reset it). */
export async function recordSuccess(db: Database, keys: ThrottleKeys): Promise<void> {
  await inScope(db, {}, (tx) => tx.delete(signinThrottle).where(inArray(signinThrottle.key, [keys.account])));
}

export function lockedError(until: Date): Error {
  return new Error(`${LOCKED_PREFIX}${until.getTime()}`);
}
