import { TRPCError } from "@trpc/server";
import type { Database } from "~/db/client";
import { readSession, type Session } from "~/server/auth/session";
import { getDb } from "~/server/process-db";
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from "~/server/services/database/db-errors";

export type Context = { db: Database; session: Session | null };

/** Testable: integration tests build a context from a real database and a real user row. */
export function createContextInner(opts: { db: Database; session: Session | null }): Context {
  return { db: opts.db, session: opts.session };
}

/** For HTTP requests (tRPC fetch adapter, server components): the session comes from the cookie. */
export async function createContext(opts: { headers: Headers }): Promise<Context> {
  const db = await getDb();
  try {
    return createContextInner({ db, session: await readSession(db, opts.headers.get("cookie")) });
  } catch (error) {
    // Reading the session is the first query of every request: an outage must say so, not "500".
    if (isDatabaseUnavailable(error))
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: DATABASE_UNAVAILABLE, cause: error });
    throw error;
  }
}
