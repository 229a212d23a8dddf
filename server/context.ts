import { type Database, getDb } from "~/db/client";
import { readSession, type Session } from "~/server/auth/session";

export type Context = { db: Database; session: Session | null };

/** Testable: integration tests build a context from a real database and a real user row. */
export function createContextInner(opts: { db: Database; session: Session | null }): Context {
  return { db: opts.db, session: opts.session };
}

/** For HTTP requests (tRPC fetch adapter, server components): the session comes from the cookie. */
export async function createContext(opts: { headers: Headers }): Promise<Context> {
  const db = await getDb();
  return createContextInner({ db, session: await readSession(db, opts.headers.get("cookie")) });
}
