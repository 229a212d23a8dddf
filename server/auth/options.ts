import { eq, sql } from "drizzle-orm";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { type Database, inScope } from "~/db/client";
import { users } from "~/db/schema";
import { burnPasswordCheck, verifyPassword } from "~/server/auth/password";
import { lockedError, lockedUntil, recordFailure, recordSuccess, throttleKeys } from "~/server/auth/throttle";
import { env } from "~/server/env";
import { CLIENT_ADDRESS_HEADER } from "~/server/http/security";
import { getDb } from "~/server/process-db";
import { isDatabaseUnavailable } from "~/server/services/database/db-errors";

const ZCredentials = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
});

/**
 * Returns the user for good credentials, else null; unknown emails cost the same time and
 * count against the same throttle as real ones. Throws `locked:<ms>` while the account or the
 * address is locked out (see throttle.ts), without checking the password.
 */
export async function checkCredentials(raw: unknown, opts: { address?: string | null; db?: Database } = {}) {
  const parsed = ZCredentials.safeParse(raw);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const db = opts.db ?? (await getDb());
  const keys = throttleKeys(email, opts.address);
  const locked = await lockedUntil(db, keys);
  if (locked) throw lockedError(locked);
  const user = await findUser(db, email, password);
  if (!user) {
    const lock = await recordFailure(db, keys);
    if (lock) throw lockedError(lock);
    return null;
  }
  await recordSuccess(db, keys);
  return user;
}

async function findUser(db: Database, email: string, password: string) {
  const [user] = await inScope(db, {}, (tx) =>
    tx
      .select()
      .from(users)
      .where(eq(sql`lower(${users.email})`, email.toLowerCase()))
      .limit(1),
  );
  if (!user?.passwordHash || user.disabledAt) {
    await burnPasswordCheck(password);
    return null;
  }
  if (!(await verifyPassword(password, user.passwordHash))) return null;
  return user;
}

/** Sessions are JWTs carrying the user id and session version; readSession re-checks both. */
export function authOptions(): NextAuthOptions {
  return {
    secret: env().authSecret,
    // The token expires SESSION_IDLE_MINUTES after it was last renewed: the browser renews it
    // (GET /api/auth/session) only while someone is using the page, so an idle session ends.
    session: { strategy: "jwt", maxAge: env().SESSION_IDLE_MINUTES * 60 },
    pages: { signIn: "/signin", signOut: "/signout", error: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        async authorize(credentials, req) {
          const header = req?.headers?.[CLIENT_ADDRESS_HEADER];
          let user: Awaited<ReturnType<typeof checkCredentials>>;
          try {
            user = await checkCredentials(credentials, {
              address: typeof header === "string" ? header : null,
            });
          } catch (error) {
            // next-auth puts the message in the sign-in URL: only codes the form words itself.
            if (error instanceof Error && error.message.startsWith("locked:")) throw error;
            if (isDatabaseUnavailable(error)) throw new Error("unavailable");
            console.error("[auth]", error);
            throw new Error("failed");
          }
          return user ? { id: user.id, email: user.email, name: user.name, sv: user.sessionVersion } : null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.sv = (user as { sv?: number }).sv;
          token.authAt = Date.now();
        }
        return token;
      },
      session({ session, token }) {
        if (session.user && typeof token.uid === "string") (session.user as { id?: string }).id = token.uid;
        return session;
      },
    },
  };
}
