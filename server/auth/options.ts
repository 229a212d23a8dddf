import { eq, sql } from "drizzle-orm";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb, inScope } from "~/db/client";
import { users } from "~/db/schema";
import { burnPasswordCheck, verifyPassword } from "~/server/auth/password";
import { env } from "~/server/env";

const ZCredentials = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
});

/** Returns the user for good credentials, else null; unknown emails cost the same time. */
export async function checkCredentials(raw: unknown) {
  const parsed = ZCredentials.safeParse(raw);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const db = await getDb();
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
    session: { strategy: "jwt", maxAge: 12 * 60 * 60, updateAge: 15 * 60 },
    pages: { signIn: "/signin", signOut: "/signout", error: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        async authorize(credentials) {
          const user = await checkCredentials(credentials);
          return user ? { id: user.id, email: user.email, name: user.name, sv: user.sessionVersion } : null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.sv = (user as { sv?: number }).sv;
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
