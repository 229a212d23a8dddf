/**
 * Sign-in abuse and session ending, against a real database: lockout per account and per
 * address (in signin_throttle), the same answer for unknown emails and wrong passwords, idle
 * and absolute session expiry, "sign out of all sessions", and disabled users — whose open
 * websockets close at once.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { signinThrottle, users } from "~/db/schema";
import { authOptions, checkCredentials } from "~/server/auth/options";
import { readSession, SESSION_MAX_AGE_MS } from "~/server/auth/session";
import { describeSignInError, LOCKED_PREFIX, WRONG_CREDENTIALS } from "~/server/auth/signin-error";
import { THROTTLE } from "~/server/auth/throttle";
import { env } from "~/server/env";
import { CLOSE, createRealtime, type Realtime } from "~/server/realtime/server";
import { DEMO_PASSWORD } from "~/server/seed/demo";
import { docName } from "~/shared/doc-name";
import { type Seeded, seededDatabase } from "~/testing/db";
import { recordResult } from "~/testing/reliability-results";
import { connectYClient } from "~/testing/yclient";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "sessions-test-secret-0123456789abcdefghijklmnop";
});

let t: Seeded;
let server: http.Server;
let realtime: Realtime;
let origin: string;

beforeAll(async () => {
  t = await seededDatabase({ frames: 1 });
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => void realtime.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  realtime = createRealtime({
    db: t.db.db,
    appOrigin: () => origin,
    maxMessageBytes: 64 * 1024,
    maxMessagesPerSecond: 100,
    // Only the events under test may close connections, not the periodic sweep.
    sweepIntervalMs: 60_000,
    notes: null,
    log: () => {},
  });
});

afterAll(async () => {
  await realtime?.close();
  await new Promise((resolve) => server?.close(resolve));
  await t?.dispose();
});

beforeEach(async () => {
  await t.db.db.delete(signinThrottle);
});

type Attempt = { user: string | null; error: string | null };

async function attempt(email: string, password: string, address = "10.0.0.1"): Promise<Attempt> {
  try {
    const user = await checkCredentials({ email, password }, { db: t.db.db, address });
    return { user: user?.email ?? null, error: null };
  } catch (error) {
    return { user: null, error: (error as Error).message };
  }
}

async function tokenFor(key: string, claims: Record<string, unknown> = {}, maxAge?: number) {
  const [u] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users[key]!));
  const token = await encode({
    token: { uid: u!.id, sv: u!.sessionVersion, authAt: Date.now(), ...claims },
    secret: env().authSecret,
    maxAge,
  });
  return `next-auth.session-token=${token}`;
}

describe("sign-in throttling", () => {
  it("locks an account after repeated failures, even for the right password, and says until when", async () => {
    const outcomes: Attempt[] = [];
    for (let i = 0; i < THROTTLE.maxAccountFailures; i++)
      outcomes.push(await attempt("sam@shotboard.test", "wrong-password"));
    expect(outcomes.slice(0, -1).every((o) => o.user === null && o.error === null)).toBe(true);
    expect(outcomes.at(-1)!.error).toMatch(new RegExp(`^${LOCKED_PREFIX}\\d+$`));
    const locked = await attempt("sam@shotboard.test", DEMO_PASSWORD);
    expect(locked.user).toBeNull();
    expect(locked.error).toMatch(/^locked:/);
    const until = Number(locked.error!.slice(LOCKED_PREFIX.length));
    expect(until - Date.now()).toBeGreaterThan((THROTTLE.lockMinutes - 1) * 60_000);
    const message = describeSignInError(locked.error);
    expect(message).toMatch(/Too many failed sign-in attempts/);
    expect(message).toMatch(/about 15 minutes/);
    // Another account from the same address is not affected.
    expect((await attempt("dana@shotboard.test", DEMO_PASSWORD)).user).toBe("dana@shotboard.test");
    recordResult({ kind: "abuse", name: "account lockout", tried: 1, refused: 1 });
  });

  it("an unknown email behaves exactly like a known one with a wrong password (no enumeration)", async () => {
    const known: Attempt[] = [];
    const unknown: Attempt[] = [];
    for (let i = 0; i < THROTTLE.maxAccountFailures + 1; i++) {
      known.push(await attempt("ari@shotboard.test", "nope", "10.0.0.2"));
      unknown.push(await attempt("no-such-person@shotboard.test", "nope", "10.0.0.3"));
    }
    const shape = (a: Attempt[]) => a.map((o) => (o.error ? o.error.split(":")[0] : String(o.user)));
    expect(shape(unknown)).toEqual(shape(known));
    expect(describeSignInError("CredentialsSignin")).toBe(WRONG_CREDENTIALS);
  });

  it("locks an address that tries many accounts, without locking those accounts elsewhere", async () => {
    let last: Attempt = { user: null, error: null };
    for (let i = 0; i < THROTTLE.maxAddressFailures; i++)
      last = await attempt(`spray-${i}@shotboard.test`, "guess", "10.9.9.9");
    expect(last.error).toMatch(/^locked:/);
    expect((await attempt("priya@shotboard.test", DEMO_PASSWORD, "10.9.9.9")).error).toMatch(/^locked:/);
    expect((await attempt("priya@shotboard.test", DEMO_PASSWORD, "10.1.1.1")).user).toBe(
      "priya@shotboard.test",
    );
    recordResult({ kind: "abuse", name: "address lockout", tried: 1, refused: 1 });
  });

  it("a successful sign-in clears the account's failures", async () => {
    for (let i = 0; i < THROTTLE.maxAccountFailures - 1; i++) await attempt("rex@shotboard.test", "bad");
    expect((await attempt("rex@shotboard.test", DEMO_PASSWORD)).user).toBe("rex@shotboard.test");
    for (let i = 0; i < THROTTLE.maxAccountFailures - 1; i++)
      expect((await attempt("rex@shotboard.test", "bad")).error).toBeNull();
  });

  it("counts older than a day that lock nothing are forgotten", async () => {
    const old = new Date(Date.now() - 2 * 86_400_000);
    await t.db.db.insert(signinThrottle).values([
      { key: "account:stale@shotboard.test", failures: 3, windowStart: old },
      { key: "address:10.7.7.7", failures: 25, windowStart: old, lockedUntil: new Date(Date.now() + 60_000) },
    ]);
    await attempt("someone@shotboard.test", "bad");
    const keys = (await t.db.db.select({ key: signinThrottle.key }).from(signinThrottle)).map((r) => r.key);
    expect(keys).not.toContain("account:stale@shotboard.test");
    expect(keys, "still locked: kept").toContain("address:10.7.7.7");
  });

  it("a disabled account cannot sign in, with the same message as a wrong password", async () => {
    await t.db.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, t.seed.users.nomad!));
    try {
      expect(await attempt("nomad@shotboard.test", DEMO_PASSWORD)).toEqual({ user: null, error: null });
    } finally {
      await t.db.db.update(users).set({ disabledAt: null }).where(eq(users.id, t.seed.users.nomad!));
    }
  });
});

describe("sessions", () => {
  it("tokens expire SESSION_IDLE_MINUTES after their last renewal; any session ends 12 h after sign-in", async () => {
    expect(authOptions().session?.maxAge).toBe(env().SESSION_IDLE_MINUTES * 60);
    expect(await readSession(t.db.db, await tokenFor("dana"))).not.toBeNull();
    expect(await readSession(t.db.db, await tokenFor("dana", {}, -60))).toBeNull();
    const old = await tokenFor("dana", { authAt: Date.now() - SESSION_MAX_AGE_MS - 1000 });
    expect(await readSession(t.db.db, old)).toBeNull();
  });

  it("sign out of all sessions ends every token of the user, and closes their open live boards", async () => {
    const show = t.seed.shows.moonfall!;
    const doc = docName("version", show.id, show.versionIds[0]!);
    const url = `${origin.replace("http", "ws")}/yjs/${doc}`;
    const cookie = await tokenFor("sam");
    const other = await tokenFor("dana");
    const samLive = await connectYClient(url, { origin, cookie });
    const danaLive = await connectYClient(url, { origin, cookie: other });
    await Promise.all([samLive.synced, danaLive.synced]);

    const sam = await t.as("sam");
    await sam.session.signOutEverywhere();
    expect(await readSession(t.db.db, cookie)).toBeNull();
    expect((await samLive.closed).code).toBe(CLOSE.sessionEnded);
    await expect(connectYClient(url, { origin, cookie })).rejects.toThrow(/401/);
    // A fresh sign-in works, and nobody else was signed out.
    expect(await readSession(t.db.db, await tokenFor("sam"))).not.toBeNull();
    expect(await readSession(t.db.db, other)).not.toBeNull();
    expect(danaLive.ws.readyState).toBe(danaLive.ws.OPEN);
    danaLive.close();
    recordResult({ kind: "abuse", name: "sign out everywhere", tried: 2, refused: 2 });
  });

  it("a disabled user's sessions and websockets stop at once; enabling needs a new sign-in", async () => {
    const show = t.seed.shows.moonfall!;
    const doc = docName("version", show.id, show.versionIds[0]!);
    const url = `${origin.replace("http", "ws")}/yjs/${doc}`;
    const cookie = await tokenFor("ari");
    const live = await connectYClient(url, { origin, cookie });
    await live.synced;
    const admin = await t.as("admin");
    await admin.admin.setUserDisabled({ userId: t.seed.users.ari!, disabled: true });
    expect((await live.closed).code).toBe(CLOSE.sessionEnded);
    expect(await readSession(t.db.db, cookie)).toBeNull();
    await expect(connectYClient(url, { origin, cookie })).rejects.toThrow(/401/);
    const listed = await admin.admin.users();
    expect(listed.find((u) => u.id === t.seed.users.ari)?.disabled).toBe(true);

    await admin.admin.setUserDisabled({ userId: t.seed.users.ari!, disabled: false });
    expect(await readSession(t.db.db, cookie), "the old token stays dead").toBeNull();
    expect(await readSession(t.db.db, await tokenFor("ari"))).not.toBeNull();
    await expect(
      admin.admin.setUserDisabled({ userId: t.seed.users.admin!, disabled: true }),
    ).rejects.toThrow(/cannot disable your own account/);
    await expect(
      (await t.as("sam")).admin.setUserDisabled({ userId: t.seed.users.ari!, disabled: true }),
    ).rejects.toThrow(/Only a studio admin/);
    recordResult({ kind: "abuse", name: "disabled user", tried: 2, refused: 2 });
  });

  it("the periodic sweep also closes sockets of users disabled on another node", async () => {
    const show = t.seed.shows.moonfall!;
    const doc = docName("version", show.id, show.versionIds[0]!);
    const url = `${origin.replace("http", "ws")}/yjs/${doc}`;
    const live = await connectYClient(url, { origin, cookie: await tokenFor("priya") });
    await live.synced;
    // Changed behind this node's back (no event): only the sweep can notice.
    await t.db.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, t.seed.users.priya!));
    try {
      await realtime.sweep();
      expect((await live.closed).code).toBe(CLOSE.sessionEnded);
    } finally {
      await t.db.db.update(users).set({ disabledAt: null }).where(eq(users.id, t.seed.users.priya!));
    }
  });
});
