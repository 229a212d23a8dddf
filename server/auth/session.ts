import { and, eq, isNull } from "drizzle-orm";
import { decode } from "next-auth/jwt";
import { type Database, inScope } from "~/db/client";
import { users } from "~/db/schema";
import { env } from "~/server/env";

export type SessionUser = { id: string; email: string; name: string; isStudioAdmin: boolean };
/** `version`: the user's session version the token was issued for (live connections keep it). */
export type Session = { user: SessionUser; version?: number };

/** However active, a session ends this long after sign-in. */
export const SESSION_MAX_AGE_MS = 12 * 60 * 60 * 1000;

export const SESSION_COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

export function parseCookies(header: string | undefined | null): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      cookies.set(name, value);
    }
  }
  return cookies;
}

/** The next-auth session cookie, reassembled if next-auth split it into chunks. */
function sessionCookie(cookies: Map<string, string>): string | undefined {
  for (const name of SESSION_COOKIE_NAMES) {
    const whole = cookies.get(name);
    if (whole) return whole;
    const chunks: string[] = [];
    for (let i = 0; cookies.has(`${name}.${i}`); i++) chunks.push(cookies.get(`${name}.${i}`) ?? "");
    if (chunks.length) return chunks.join("");
  }
  return undefined;
}

/** What a valid session token claims: a user and the session version it was issued for. */
export type SessionClaims = { userId: string; version: unknown };

/**
 * The session token's claims, without the database: null when there is no token, it does not
 * decrypt, it has expired, or it is past SESSION_MAX_AGE_MS since sign-in. Only a claim: the
 * user must still be checked (sessionOf).
 */
export async function readSessionClaims(
  cookieHeader: string | undefined | null,
): Promise<SessionClaims | null> {
  const token = sessionCookie(parseCookies(cookieHeader));
  if (!token) return null;
  let claims: Awaited<ReturnType<typeof decode>>;
  try {
    claims = await decode({ token, secret: env().authSecret });
  } catch {
    return null;
  }
  const userId = typeof claims?.uid === "string" ? claims.uid : null;
  if (!userId || !/^[0-9a-f-]{36}$/.test(userId)) return null;
  // decode() already refused an expired token (idle: SESSION_IDLE_MINUTES since last renewal).
  if (typeof claims?.authAt === "number" && Date.now() - claims.authAt > SESSION_MAX_AGE_MS) return null;
  return { userId, version: claims?.sv };
}

/** The session the claims stand for, given the user's row (null: no such enabled user). */
export function sessionOf(
  claims: SessionClaims,
  user: (SessionUser & { sessionVersion: number }) | null | undefined,
): Session | null {
  if (!user || user.sessionVersion !== claims.version) return null;
  return {
    user: { id: user.id, email: user.email, name: user.name, isStudioAdmin: user.isStudioAdmin },
    version: user.sessionVersion,
  };
}

/**
 * Reads the session from a Cookie header: used by tRPC and the media routes (the websocket
 * upgrade checks the same in its one query). The token is only a claim; the user must still
 * exist, be enabled, and hold the session version the token was issued for (bumped by "sign
 * out everywhere").
 */
export async function readSession(
  db: Database,
  cookieHeader: string | undefined | null,
): Promise<Session | null> {
  const claims = await readSessionClaims(cookieHeader);
  if (!claims) return null;
  const [user] = await inScope(db, { userId: claims.userId }, (tx) =>
    tx
      .select()
      .from(users)
      .where(and(eq(users.id, claims.userId), isNull(users.disabledAt)))
      .limit(1),
  );
  return sessionOf(claims, user);
}
