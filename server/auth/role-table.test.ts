/**
 * The role table of DESIGN.md ("Roles (per show)"), role × permission, checked where it is
 * enforced: a representative tRPC procedure per permission (FORBIDDEN naming the permission
 * when refused), and the websocket for live annotation and presenting (read-only connection).
 */

import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import * as decoding from "lib0/decoding";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { type ShowRole, shows, users } from "~/db/schema";
import { can, PERMISSIONS, type Permission } from "~/server/auth/permissions";
import { env } from "~/server/env";
import { CLOSE, createRealtime, type Realtime } from "~/server/realtime/server";
import { appRouter } from "~/server/root";
import { ZShowScopeInput } from "~/server/trpc";
import { docName } from "~/shared/doc-name";
import { decodeAccess, type LiveAccess, MESSAGE_ACCESS } from "~/shared/live-protocol";
import { demoName } from "~/testing/annotation";
import { type Seeded, seededDatabase } from "~/testing/db";
import { connectYClient, until } from "~/testing/yclient";
import { type Schema, sample } from "~/testing/zod-sample";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "role-table-test-secret-0123456789abcdefghijklmnop";
});

/** DESIGN.md's table, copied by hand: the code's table must say the same. */
const DESIGN: Record<Permission, ShowRole[]> = {
  view: ["director", "supervisor", "artist", "producer", "reviewer"],
  annotate: ["director", "supervisor", "artist", "producer", "reviewer"],
  editOthersAnnotations: ["director"],
  upload: ["director", "supervisor", "artist"],
  recommend: ["director", "supervisor"],
  signoff: ["director"],
  present: ["director", "supervisor", "producer"],
  editCredits: ["producer"],
  manageMembers: ["producer"],
  lockShow: ["producer"],
  readAudit: ["director", "producer"],
};

/** Moonfall has one member per role. */
const MEMBER_BY_ROLE: Record<ShowRole, string> = {
  director: "dana",
  supervisor: "sam",
  artist: "ari",
  producer: "priya",
  reviewer: "rex",
};
const ROLES = Object.keys(MEMBER_BY_ROLE) as ShowRole[];

type Probe =
  | { via: "trpc"; path: string; input: () => Record<string, unknown> }
  | { via: "live"; doc: "version" | "board" }
  | { via: "live-edit-others" }
  | { via: "none"; why: string };

/** One representative action per permission. Refusal probes use ids that do not exist, so nothing changes. */
const PROBES: Record<Permission, Probe> = {
  view: { via: "trpc", path: "show.overview", input: () => ({}) },
  annotate: { via: "live", doc: "version" },
  editOthersAnnotations: { via: "live-edit-others" },
  upload: {
    via: "trpc",
    path: "provenance.update",
    input: () => ({ versionId: randomUUID(), changes: { model: "probe" } }),
  },
  recommend: {
    via: "trpc",
    path: "version.recommend",
    input: () => ({ versionId: randomUUID(), reason: "probe" }),
  },
  signoff: {
    via: "trpc",
    path: "version.decide",
    input: () => ({ versionId: randomUUID(), kind: "approved" }),
  },
  present: { via: "live", doc: "board" },
  editCredits: { via: "trpc", path: "credits.lock", input: () => ({ versionId: randomUUID() }) },
  manageMembers: {
    via: "trpc",
    path: "member.add",
    input: () => ({ email: "nobody-role-probe@shotboard.test", role: "reviewer" }),
  },
  lockShow: { via: "trpc", path: "show.setLocked", input: () => ({ locked: false }) },
  readAudit: { via: "trpc", path: "audit.verify", input: () => ({}) },
};

type Outcome = { ok: true } | { ok: false; code: string; message: string };
type Procedure = { _def: { type: string; inputs: Schema[] } };

let t: Seeded;
let moonfall: Seeded["seed"]["shows"][string];
let server: http.Server;
let realtime: Realtime;
let origin: string;

beforeAll(async () => {
  t = await seededDatabase();
  moonfall = t.seed.shows.moonfall!;
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => void realtime.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  realtime = createRealtime({
    db: t.db.db,
    appOrigin: () => origin,
    maxMessageBytes: 64 * 1024,
    maxMessagesPerSecond: 100,
    log: () => {},
  });
});

afterAll(async () => {
  await realtime?.close();
  await new Promise((resolve) => server?.close(resolve));
  await t?.dispose();
});

async function call(user: string, path: string, input: Record<string, unknown>): Promise<Outcome> {
  const caller = await t.as(user);
  const fn = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (
    input: unknown,
  ) => Promise<unknown>;
  try {
    await fn({ showId: moonfall.id, ...input });
    return { ok: true };
  } catch (error) {
    if (error instanceof TRPCError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

/** Refused for want of a permission: FORBIDDEN, naming it. */
function refusedFor(o: Outcome): string | null {
  if (o.ok || o.code !== "FORBIDDEN") return null;
  return /\(permission "(\w+)"\)/.exec(o.message)?.[1] ?? null;
}

/** The access the websocket grants `user` on a live document: the server's MESSAGE_ACCESS on join. */
async function liveAccess(user: string, doc: string): Promise<LiveAccess> {
  const [u] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users[user]!));
  const token = await encode({ token: { uid: u!.id, sv: u!.sessionVersion }, secret: env().authSecret });
  const url = `${origin.replace("http", "ws")}/yjs/${doc}`;
  const ws = new WebSocket(url, { headers: { origin, cookie: `next-auth.session-token=${token}` } });
  try {
    return await new Promise<LiveAccess>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no access message for ${user} on ${doc}`)), 10_000);
      ws.on("message", (data: Buffer) => {
        const decoder = decoding.createDecoder(new Uint8Array(data));
        if (decoding.readVarUint(decoder) !== MESSAGE_ACCESS) return;
        clearTimeout(timer);
        const access = decodeAccess(decoder);
        if (access) resolve(access);
        else reject(new Error("unreadable access message"));
      });
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once("error", reject);
    });
  } finally {
    ws.terminate();
  }
}

async function cookieFor(user: string): Promise<string> {
  const [u] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users[user]!));
  const token = await encode({ token: { uid: u!.id, sv: u!.sessionVersion }, secret: env().authSecret });
  return `next-auth.session-token=${token}`;
}

/**
 * Someone else writes an annotation on a version; `user` deletes it. True when the deletion
 * reached the other person; false when the server refused it (the connection is closed with
 * 4409 and the annotation is still there for everyone).
 */
async function deletesOthersAnnotation(user: string): Promise<boolean> {
  const doc = docName("version", moonfall.id, moonfall.versionIds[1]!);
  const url = `${origin.replace("http", "ws")}/yjs/${doc}`;
  const authorKey = user === "ari" ? "sam" : "ari";
  const key = randomUUID();
  const author = await connectYClient(url, { origin, cookie: await cookieFor(authorKey) });
  const editor = await connectYClient(url, { origin, cookie: await cookieFor(user) });
  try {
    await Promise.all([author.synced, editor.synced]);
    author.doc.getMap("annotations").set(key, {
      id: key,
      kind: "comment",
      frame: 1001,
      x: 0.5,
      y: 0.5,
      text: "someone else's note",
      authorId: t.seed.users[authorKey],
      authorName: demoName(t.seed.users[authorKey]!, t.seed.users),
      createdAt: Date.now(),
    });
    await until(
      editor.doc,
      () => editor.doc.getMap("annotations").has(key),
      10_000,
      "the note to reach the editor",
    );
    editor.doc.getMap("annotations").delete(key);
    const outcome = await Promise.race([
      until(author.doc, () => !author.doc.getMap("annotations").has(key), 10_000, "the deletion").then(
        () => true,
      ),
      editor.closed.then((c) => {
        expect(c.code).toBe(CLOSE.staleCopy);
        expect(c.reason).toBe("Not allowed: only the director may edit or delete others' annotations");
        return false;
      }),
    ]);
    if (!outcome) {
      const check = await connectYClient(url, { origin, cookie: await cookieFor(authorKey) });
      await check.synced;
      expect(check.doc.getMap("annotations").has(key)).toBe(true);
      check.close();
    }
    return outcome;
  } finally {
    author.close();
    editor.close();
  }
}

async function restoreShow(row: typeof shows.$inferSelect): Promise<void> {
  await t.db.db.update(shows).set({ state: row.state, settings: row.settings }).where(eq(shows.id, row.id));
}

describe("the permission table", () => {
  it("is DESIGN.md's table, permission by permission", () => {
    expect(Object.fromEntries(Object.entries(PERMISSIONS).map(([p, v]) => [p, [...v.roles]]))).toEqual(
      DESIGN,
    );
  });

  it("has a representative probe for every permission, and says why where it has none", () => {
    expect(Object.keys(PROBES).sort()).toEqual(Object.keys(PERMISSIONS).sort());
    const unprobed = Object.entries(PROBES)
      .filter(([, p]) => p.via === "none")
      .map(([permission]) => permission);
    expect(unprobed.sort()).toEqual([]);
  });
});

describe.each(Object.entries(PROBES).filter(([, p]) => p.via !== "none") as [Permission, Probe][])(
  "%s",
  (permission, probe) => {
    it.each(ROLES)(`as %s: allowed exactly when DESIGN.md says so`, async (role) => {
      const allowed = DESIGN[permission].includes(role);
      const user = MEMBER_BY_ROLE[role];
      if (probe.via === "live") {
        const doc =
          probe.doc === "board"
            ? docName("board", moonfall.id, moonfall.boardId)
            : docName("version", moonfall.id, moonfall.versionIds[0]!);
        expect(await liveAccess(user, doc)).toEqual({ readOnly: !allowed, showState: "active" });
        return;
      }
      if (probe.via === "live-edit-others") {
        expect(await deletesOthersAnnotation(user)).toBe(allowed);
        return;
      }
      if (probe.via !== "trpc") return;
      const [before] = await t.db.db.select().from(shows).where(eq(shows.id, moonfall.id));
      try {
        const outcome = await call(user, probe.path, probe.input());
        if (allowed) expect(refusedFor(outcome), JSON.stringify(outcome)).toBeNull();
        else {
          expect(outcome).toMatchObject({ ok: false, code: "FORBIDDEN" });
          expect(refusedFor(outcome)).toBe(permission);
          expect((outcome as { message: string }).message).toContain(`Your role on this show (${role})`);
        }
      } finally {
        await restoreShow(before!);
      }
    });
  },
);

describe("every show-scoped procedure refuses exactly the roles its permission excludes", () => {
  const procedures = Object.entries(
    (appRouter._def as unknown as { procedures: Record<string, Procedure> }).procedures,
  ).filter(([, p]) => p._def.inputs[0] === (ZShowScopeInput as unknown as Schema));

  it.each(procedures.map(([path]) => path))("%s", async (path) => {
    const procedure = procedures.find(([p]) => p === path)![1];
    const input: Record<string, unknown> = {};
    for (const schema of procedure._def.inputs.slice(1))
      Object.assign(
        input,
        sample(schema, {
          uuid: () => randomUUID(),
          hint: (key) => (key === "email" ? "nobody-role-probe@shotboard.test" : undefined),
        }),
      );
    const [before] = await t.db.db.select().from(shows).where(eq(shows.id, moonfall.id));
    const refused = new Map<ShowRole, string>();
    try {
      for (const role of ROLES) {
        const named = refusedFor(await call(MEMBER_BY_ROLE[role], path, input));
        await restoreShow(before!);
        if (named) refused.set(role, named);
      }
    } finally {
      await restoreShow(before!);
    }
    const names = new Set(refused.values());
    expect(names.size, `${path} names more than one permission`).toBeLessThanOrEqual(1);
    const permission = ([...names][0] ?? "view") as Permission;
    const allowedRoles = ROLES.filter((r) => !refused.has(r));
    // A procedure no role is refused must be one everyone may use (a `view` procedure).
    expect({ path, permission, allowed: allowedRoles }).toEqual({
      path,
      permission,
      allowed: ROLES.filter((r) => can(r, permission)),
    });
  });
});

describe("a locked show is read-only for every role", () => {
  it("writes are refused for everyone; viewing, the audit log and unlocking still work", async () => {
    await t.db.db.update(shows).set({ state: "locked" }).where(eq(shows.id, moonfall.id));
    try {
      for (const [permission, probe] of Object.entries(PROBES) as [Permission, Probe][]) {
        for (const role of DESIGN[permission]) {
          const user = MEMBER_BY_ROLE[role];
          if (probe.via === "live") {
            const doc =
              probe.doc === "board"
                ? docName("board", moonfall.id, moonfall.boardId)
                : docName("version", moonfall.id, moonfall.versionIds[0]!);
            expect(await liveAccess(user, doc)).toEqual({ readOnly: true, showState: "locked" });
            continue;
          }
          if (probe.via !== "trpc" || permission === "lockShow") continue; // live edits: read-only above
          const outcome = await call(user, probe.path, probe.input());
          if (PERMISSIONS[permission].writes)
            expect(outcome, `${permission} as ${role}`).toMatchObject({
              ok: false,
              code: "FORBIDDEN",
              message: expect.stringContaining("locked"),
            });
          else expect(outcome.ok || (outcome as { code: string }).code !== "FORBIDDEN").toBe(true);
        }
      }
      // The producer can still unlock it.
      expect(await call("priya", "show.setLocked", { locked: false })).toEqual({ ok: true });
      const [row] = await t.db.db.select({ state: shows.state }).from(shows).where(eq(shows.id, moonfall.id));
      expect(row!.state).toBe("active");
    } finally {
      await t.db.db.update(shows).set({ state: "active" }).where(eq(shows.id, moonfall.id));
    }
  });
});
