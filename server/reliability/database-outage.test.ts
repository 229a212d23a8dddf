/**
 * PostgreSQL goes away and comes back while the app runs, without touching the machine's
 * PostgreSQL: the app's database URL points at a TCP proxy (testing/tcp-proxy.ts) in
 * front of this test's own database. During the outage tRPC answers a clear "database
 * unavailable" error (not a 500), a sign-off cut in the middle of its transaction leaves no
 * decision and an intact audit chain, live strokes are not lost (with the node's journal they
 * keep flowing between those connected and wait there; without one they wait in the node and
 * are shown to others only once stored), new live connections are refused with a 503; after
 * the database is back everything works again with the same process and the same pool.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { type DbHandle, openPostgres } from "~/db/client";
import { decisions, notes, users, yjsUpdates } from "~/db/schema";
import { createContext, createContextInner } from "~/server/context";
import { setProcessDatabase } from "~/server/process-db";
import { decodeRecords, type Journal, openJournal } from "~/server/realtime/journal";
import { createRealtime, type Realtime } from "~/server/realtime/server";
import { appRouter, createCaller } from "~/server/root";
import { testStroke } from "~/testing/annotation";
import { type Seeded, seededDatabase } from "~/testing/db";
import { recordResult } from "~/testing/reliability-results";
import { soakTargets } from "~/testing/soak-setup";
import { startTcpProxy, type TcpProxy } from "~/testing/tcp-proxy";
import { connectYClient, until } from "~/testing/yclient";

const SECRET = "outage-test-secret-outage-test-secret-01234";
vi.hoisted(() => {
  process.env.AUTH_SECRET = "outage-test-secret-outage-test-secret-01234";
});

let t: Seeded;
let proxy: TcpProxy;
let app: DbHandle;
let server: http.Server;
let realtime: Realtime;
let origin: string;
/** A second endpoint on the same pool, with a journal (as `npm start` runs it). */
const journaled = {} as {
  server: http.Server;
  realtime: Realtime;
  origin: string;
  journal: Journal;
  dir: string;
};
const persistenceErrors: unknown[] = [];

beforeAll(async () => {
  t = await seededDatabase({ frames: 1 });
  const real = new URL(t.db.url!);
  proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
  const viaProxy = new URL(t.db.url!);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  app = await openPostgres(viaProxy.toString(), 4);
  ({ server, realtime, origin } = await liveEndpoint(null));
  const dir = mkdtempSync(path.join(tmpdir(), "shotboard-journal-"));
  const journal = openJournal(dir);
  Object.assign(journaled, await liveEndpoint(journal), { journal, dir });
});

/** A websocket endpoint on the app's pool (through the proxy), with or without a journal. */
async function liveEndpoint(journal: Journal | null) {
  const endpoint = {} as { server: http.Server; realtime: Realtime; origin: string };
  endpoint.server = http.createServer((_req, res) => res.writeHead(404).end());
  endpoint.server.on(
    "upgrade",
    (req, socket, head) => void endpoint.realtime.handleUpgrade(req, socket, head),
  );
  await new Promise<void>((resolve) => endpoint.server.listen(0, "127.0.0.1", resolve));
  endpoint.origin = `http://localhost:${(endpoint.server.address() as AddressInfo).port}`;
  endpoint.realtime = createRealtime({
    db: app.db,
    exec: app.exec,
    journal,
    appOrigin: () => endpoint.origin,
    maxMessageBytes: 64 * 1024,
    maxMessagesPerSecond: 100,
    sweepIntervalMs: 60_000,
    notes: null,
    log: (message, error) => {
      if (message.startsWith("persistence error")) persistenceErrors.push(error);
    },
  });
  return endpoint;
}

afterAll(async () => {
  await proxy?.start();
  await realtime?.close();
  await new Promise((resolve) => server?.close(resolve));
  await journaled.realtime?.close();
  await new Promise((resolve) => journaled.server?.close(resolve));
  if (journaled.dir) rmSync(journaled.dir, { recursive: true, force: true });
  await app?.close();
  await proxy?.close();
  await t?.dispose();
});

/** A caller on the app's own pool (through the proxy), as the tRPC route builds it. */
async function callerAs(key: string) {
  const [u] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users[key]!));
  return createCaller(
    createContextInner({
      db: app.db,
      session: { user: { id: u!.id, email: u!.email, name: u!.name, isStudioAdmin: u!.isStudioAdmin } },
    }),
  );
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    return { code: (error as TRPCError).code, message: (error as TRPCError).message };
  }
  throw new Error("expected the call to be refused");
}

const UNAVAILABLE = {
  code: "SERVICE_UNAVAILABLE",
  message: "The database is unavailable right now. Nothing was saved; try again in a moment.",
};

describe("PostgreSQL outage and recovery, same process", () => {
  it("tRPC says the database is unavailable, then recovers without a restart", async () => {
    const sam = await callerAs("sam");
    expect((await sam.show.mine()).length).toBeGreaterThan(0);
    await proxy.stop();
    expect(await refusal(sam.show.mine())).toEqual(UNAVAILABLE);
    expect(await refusal(sam.show.bySlug({ slug: "moonfall" }))).toEqual(UNAVAILABLE);
    // Over HTTP the session is read first: that query failing says the same, with a 503.
    const { users: members } = await soakTargets(t, SECRET);
    setProcessDatabase(Promise.resolve(app));
    const res = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request("http://localhost/api/trpc/show.mine", { headers: { cookie: members[1]!.cookie } }),
      router: appRouter,
      createContext: ({ req }) => createContext({ headers: req.headers }),
    });
    expect(res.status).toBe(503);
    const body = await res.text();
    expect(body).toContain(UNAVAILABLE.message);
    expect(body).not.toMatch(/\n\s+at |node_modules/);
    await proxy.start();
    expect((await sam.show.mine()).length).toBeGreaterThan(0);
    recordResult({ kind: "fault", name: "PostgreSQL stopped and started (tRPC)", injected: 1, recovered: 1 });
  });

  it("a sign-off cut in the middle of its transaction leaves nothing behind; the chain stays intact", async () => {
    const show = t.seed.shows.moonfall!;
    const versionId = show.versionIds[0]!;
    const dana = await callerAs("dana");
    const before = await dana.audit.verify({ showId: show.id });
    expect(before.intact).toBe(true);

    // The decision row is inserted; the connection dies as the audit event is sent.
    const cut = proxy.cutWhenClientSends(/insert into "audit_events"/i);
    const outcome = await refusal(
      dana.version.decide({ showId: show.id, versionId, kind: "changes_requested", reason: "outage test" }),
    );
    await cut;
    expect(outcome).toEqual(UNAVAILABLE);
    expect(await refusal(dana.audit.verify({ showId: show.id }))).toEqual(UNAVAILABLE);

    await proxy.start();
    const rows = await t.db.db.select().from(decisions).where(eq(decisions.versionId, versionId));
    expect(rows, "no half-written decision").toEqual([]);
    const after = await dana.audit.verify({ showId: show.id });
    expect(after).toEqual(before);
    // And the same sign-off goes through now.
    await dana.version.decide({
      showId: show.id,
      versionId,
      kind: "changes_requested",
      reason: "outage test",
    });
    expect(await t.db.db.select().from(decisions).where(eq(decisions.versionId, versionId))).toHaveLength(1);
    const final = await dana.audit.verify({ showId: show.id });
    expect(final.intact).toBe(true);
    expect(final.count).toBeGreaterThan(before.count);
    recordResult({ kind: "fault", name: "connection cut mid sign-off", injected: 1, recovered: 1 });
  });

  it("without a journal, live strokes drawn during the outage wait in the node, then are stored and relayed; new connections get a 503", async () => {
    const { users: members, docs } = await soakTargets(t, SECRET);
    const url = `${origin.replace("http", "ws")}/yjs/${docs[1]}`;
    const a = await connectYClient(url, { origin, cookie: members[0]!.cookie });
    const b = await connectYClient(url, { origin, cookie: members[1]!.cookie });
    await Promise.all([a.synced, b.synced]);
    const strokes = a.doc.getMap("annotations");

    await proxy.stop();
    const errorsBefore = persistenceErrors.length;
    const drawn: string[] = [];
    for (let i = 0; i < 20; i++) {
      const key = `outage-${i}`;
      strokes.set(key, testStroke(key, members[0]!, { points: [0.5, 0.5] }));
      drawn.push(key);
    }
    await vi.waitFor(() => expect(persistenceErrors.length).toBeGreaterThan(errorsBefore), {
      timeout: 15_000,
    });
    // Not relayed before it is stored: another client must never see what could still be lost.
    expect(drawn.filter((k) => b.doc.getMap("annotations").has(k))).toEqual([]);
    await expect(connectYClient(url, { origin, cookie: members[2]!.cookie })).rejects.toThrow(/503/);

    await proxy.start();
    await until(
      b.doc,
      () => drawn.every((k) => b.doc.getMap("annotations").has(k)),
      30_000,
      "strokes drawn during the outage",
    );
    const fresh = await connectYClient(url, { origin, cookie: members[2]!.cookie });
    await fresh.synced;
    expect(drawn.filter((k) => !fresh.doc.getMap("annotations").has(k))).toEqual([]);
    for (const c of [a, b, fresh]) c.close();
    // And they are in the database (relayed only after being stored), not only in the node's memory.
    const reloaded = await t.db.db.select().from(yjsUpdates).where(eq(yjsUpdates.docName, docs[1]!));
    const doc = new Y.Doc();
    for (const r of reloaded) Y.applyUpdate(doc, r.update);
    const stored = drawn.filter((k) => doc.getMap("annotations").has(k));
    expect(stored).toEqual(drawn);
    recordResult({
      kind: "fault",
      name: "PostgreSQL stopped and started (live strokes)",
      injected: 1,
      recovered: 1,
    });
    recordResult({
      kind: "edits",
      name: "strokes drawn during a database outage",
      sent: drawn.length,
      persisted: stored.length,
    });
  });
  /**
   * Two members on version document `index` of the journaled endpoint; the database goes away
   * and the first draws `keys`: resolves once the second has them all and an append has failed.
   */
  async function drawnDuringJournaledOutage(index: number, keys: string[]) {
    const { users: members, docs } = await soakTargets(t, SECRET);
    const url = `${journaled.origin.replace("http", "ws")}/yjs/${docs[index]}`;
    const a = await connectYClient(url, { origin: journaled.origin, cookie: members[0]!.cookie });
    const b = await connectYClient(url, { origin: journaled.origin, cookie: members[1]!.cookie });
    await Promise.all([a.synced, b.synced]);
    await proxy.stop();
    const errorsBefore = persistenceErrors.length;
    for (const id of keys) a.doc.getMap("annotations").set(id, testStroke(id, members[0]!));
    // The session goes on: the other client sees every stroke while the database is down.
    await until(
      b.doc,
      () => keys.every((k) => b.doc.getMap("annotations").has(k)),
      15_000,
      "strokes relayed during the outage",
    );
    await vi.waitFor(() => expect(persistenceErrors.length).toBeGreaterThan(errorsBefore), {
      timeout: 15_000,
    });
    return { url, docName: docs[index]!, members, clients: [a, b] };
  }

  it("with the journal, live strokes keep flowing during the outage, wait in the journal, and are stored once it is back", async () => {
    const drawn = Array.from({ length: 20 }, (_, i) => `journaled-outage-${i}`);
    const { url, docName, members, clients } = await drawnDuringJournaledOutage(2, drawn);
    // The journal holds them: a crash now would store them on the next start.
    expect(journaled.journal.pending()).toBeGreaterThan(0);
    const onDisk = readdirSync(journaled.dir).flatMap(
      (f) => decodeRecords(readFileSync(path.join(journaled.dir, f))).records,
    );
    const fromJournal = new Y.Doc();
    for (const r of onDisk) if (r.docName === docName) Y.applyUpdate(fromJournal, r.update);
    expect(drawn.filter((k) => !fromJournal.getMap("annotations").has(k))).toEqual([]);
    await expect(
      connectYClient(url, { origin: journaled.origin, cookie: members[2]!.cookie }),
    ).rejects.toThrow(/503/);

    await proxy.start();
    await vi.waitFor(() => expect(journaled.journal.pending()).toBe(0), { timeout: 30_000 });
    const reloaded = await t.db.db.select().from(yjsUpdates).where(eq(yjsUpdates.docName, docName));
    const doc = new Y.Doc();
    for (const r of reloaded) Y.applyUpdate(doc, r.update);
    const stored = drawn.filter((k) => doc.getMap("annotations").has(k));
    expect(stored).toEqual(drawn);
    const fresh = await connectYClient(url, { origin: journaled.origin, cookie: members[2]!.cookie });
    await fresh.synced;
    expect(drawn.filter((k) => !fresh.doc.getMap("annotations").has(k))).toEqual([]);
    for (const c of [...clients, fresh]) c.close();
    recordResult({
      kind: "fault",
      name: "PostgreSQL stopped and started (live strokes, journal)",
      injected: 1,
      recovered: 1,
    });
    recordResult({
      kind: "edits",
      name: "strokes drawn during a database outage (journal)",
      sent: drawn.length,
      persisted: stored.length,
    });
  });
  it("a sign-off right after the database is back binds the strokes relayed during the outage", async () => {
    const show = t.seed.shows.moonfall!;
    const versionId = show.versionIds[3]!;
    const drawn = ["seen-1", "seen-2", "seen-3"];
    const { clients } = await drawnDuringJournaledOutage(3, drawn);
    await proxy.start();
    // At once: the room retries its append only a second later, so the sign-off must ask for it.
    const dana = await callerAs("dana");
    await dana.version.decide({
      showId: show.id,
      versionId,
      kind: "changes_requested",
      reason: "after the outage",
    });
    const bound = await t.db.db
      .select({ id: notes.id })
      .from(notes)
      .where(and(eq(notes.showId, show.id), eq(notes.versionId, versionId)));
    expect(
      bound
        .map((n) => n.id)
        .filter((id) => drawn.includes(id))
        .sort(),
    ).toEqual(drawn);
    for (const c of clients) c.close();
  });
});
