/**
 * Show isolation, for every tRPC procedure the app has: the list comes from appRouter itself,
 * and inputs are built from each procedure's own zod schema, so a new procedure is covered
 * without touching this file. A member of show A calls each show-scoped procedure with show
 * B's ids (every uuid field filled with B's real id of the matching kind) and with random ids:
 * the answers must be identical (NOT_FOUND with the one message where an id is required),
 * nothing of B may appear in any answer, and B's rows must be byte-for-byte unchanged.
 * Procedures that are not built from showProcedure must be listed in GLOBAL with a check.
 */
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { eq, sql } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { memberships, notes, shows, users, versions } from "~/db/schema";
import { readSession } from "~/server/auth/session";
import { createContextInner } from "~/server/context";
import { env } from "~/server/env";
import { NOT_FOUND_MESSAGE } from "~/server/errors";
import { appRouter } from "~/server/root";
import { ZShowScopeInput } from "~/server/trpc";
import { type Seeded, seededDatabase } from "~/testing/db";
import { rowsOf, showFingerprint, showScopedTables } from "~/testing/show-fingerprint";
import { type Schema, type Slot, sample, slotsOf } from "~/testing/zod-sample";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "isolation-test-secret-0123456789abcdefghijklmnop";
});

type Procedure = { _def: { type: "query" | "mutation" | "subscription"; inputs: Schema[] } };
type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };
type Caller = Awaited<ReturnType<Seeded["as"]>>;

/** Moonfall's members, one per role: the first whose role allows a procedure calls it. */
const A_CALLERS = ["dana", "sam", "ari", "priya", "rex"] as const;
/** Signed-in people with no membership of show B. */
const OUTSIDERS = ["sam", "rex", "nomad", "admin"] as const;

let t: Seeded;
let A: { id: string };
let B: { id: string; slug: string };
let bexId: string;
/** First ids per table for each show, and every string that would betray show B. */
let idsA: Map<string, string[]>;
let idsB: Map<string, string[]>;
let secretsOfB: string[];
/** Show-scoped tables with a uuid `id`: the kinds of id a field can name. */
let idTables: string[];
const callers = new Map<string, Caller>();

const procedures = Object.entries(
  (appRouter._def as unknown as { procedures: Record<string, Procedure> }).procedures,
).sort(([a], [b]) => a.localeCompare(b));

function isShowScoped(p: Procedure): boolean {
  return p._def.inputs[0] === (ZShowScopeInput as unknown as Schema);
}

/** Fields no generic rule can fill; keyed by field name. */
function hint(key: string): unknown {
  if (key === "slug") return "no-such-show-probe";
  if (key === "email" || key.endsWith("Email")) return "nobody-isolation-probe@shotboard.test";
  if (key === "sha256" || key.endsWith("Sha256")) return "0".repeat(64);
  return undefined;
}

beforeAll(async () => {
  t = await seededDatabase();
  A = t.seed.shows.moonfall!;
  B = { id: t.seed.shows.tidewater!.id, slug: "tidewater" };
  // Someone on show B only, so a user id of B's is not also one of A's.
  const [bex] = await t.db.db
    .insert(users)
    .values({ email: "bex@shotboard.test", name: "Bex Tidewater-Only" })
    .returning({ id: users.id });
  bexId = bex!.id;
  t.seed.users.bex = bexId;
  await t.db.db.insert(memberships).values({ showId: B.id, userId: bexId, role: "artist" });
  for (const key of [...A_CALLERS, ...OUTSIDERS]) callers.set(key, await t.as(key));

  const tables = await showScopedTables(t.db.db);
  idTables = [];
  for (const table of tables) {
    const [row] = rowsOf<{ n: number }>(
      await t.db.db.execute(
        sql`select count(*)::int as n from information_schema.columns where table_schema = 'public' and table_name = ${table} and column_name = 'id' and data_type = 'uuid'`,
      ),
    );
    if (row?.n) idTables.push(table);
  }
  // Both shows get a row of every kind the app itself can create (credits, talent, tokens, …),
  // so fields of those kinds are tried with real ids too.
  await loadIds();
  for (let pass = 0; pass < 2; pass++) {
    await populate(A.id, [...A_CALLERS]);
    await populate(B.id, ["priya", "ari", "dana", "bex"]);
    await loadIds();
  }
});

/** Reads every show-scoped id of both shows, and every string that would betray show B. */
async function loadIds(): Promise<void> {
  idsA = new Map();
  idsB = new Map();
  const secrets = new Set<string>([B.id, bexId, "Bex Tidewater-Only", "Tidewater", "tidewater", "KELP"]);
  for (const table of await showScopedTables(t.db.db)) {
    const columns = rowsOf<{ column_name: string }>(
      await t.db.db.execute(
        sql`select column_name from information_schema.columns where table_schema = 'public' and table_name = ${table}`,
      ),
    ).map((c) => c.column_name);
    for (const [showId, into] of [
      [A.id, idsA],
      [B.id, idsB],
    ] as const) {
      if (idTables.includes(table)) {
        const rows = rowsOf<{ id: string }>(
          await t.db.db.execute(
            sql.raw(`select id::text as id from "${table}" where show_id = '${showId}' order by id::text`),
          ),
        );
        if (rows.length > 0)
          into.set(
            table,
            rows.map((r) => r.id),
          );
        if (showId === B.id) for (const r of rows) secrets.add(r.id);
      }
    }
    for (const column of ["sha256", "hash", "code", "token_hash", "name"].filter((c) =>
      columns.includes(c),
    )) {
      const rows = rowsOf<{ v: string }>(
        await t.db.db.execute(
          sql.raw(`select "${column}"::text as v from "${table}" where show_id = '${B.id}'`),
        ),
      );
      for (const r of rows) if (r.v.length >= 6) secrets.add(r.v);
    }
  }
  secretsOfB = [...secrets];
}

/** Calls every show-scoped "create" mutation (add, create, propose, …) in `showId`, as the first member it lets. */
async function populate(showId: string, members: string[]): Promise<void> {
  const creators = procedures.filter(
    ([path, p]) =>
      isShowScoped(p) &&
      p._def.type === "mutation" &&
      /^(add|create|propose|register|issue|upload|ingest|record)/i.test(path.split(".").pop() ?? ""),
  );
  const own = showId === A.id ? idsA : idsB;
  const realId = (slot: Slot) => {
    const kind = kindOf(slot.key);
    const id =
      kind === "user" ? (showId === A.id ? t.seed.users.sam : bexId) : kind ? own.get(kind)?.[0] : undefined;
    if (id) return id;
    if (slot.omittable) return undefined;
    return slot.nullable ? null : randomUUID();
  };
  const [showRow] = await t.db.db.select().from(shows).where(eq(shows.id, showId));
  for (const [path, p] of creators) {
    for (const key of members) {
      const caller = callers.get(key) ?? (await t.as(key));
      callers.set(key, caller);
      let input: Record<string, unknown>;
      try {
        input = inputFor(p, showId, realId);
      } catch {
        break;
      }
      const outcome = await call(caller, path, input);
      if (outcome.ok) break;
    }
  }
  await t.db.db
    .update(shows)
    .set({ state: showRow!.state, settings: showRow!.settings })
    .where(eq(shows.id, showId));
}

afterAll(async () => {
  await t?.dispose();
});

function singular(table: string): string {
  if (table.endsWith("sses")) return table.slice(0, -2);
  return table.endsWith("s") ? table.slice(0, -1) : table;
}

/** The table a uuid field refers to, from its name (versionId → versions), "user", or null. */
function kindOf(key: string): string | null {
  const base = key.replace(/Ids?$/, "");
  if (!base || base === key) return null;
  const snake = base.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (snake === "user" || snake.endsWith("_user")) return "user";
  const tables = idTables;
  return (
    tables.find((table) => singular(table) === snake) ??
    tables.find((table) => singular(table).endsWith(`_${snake}`)) ??
    null
  );
}

/** Show B's real ids a field could be given: its kind's, or every kind's when the name says nothing. */
function bCandidates(slot: Slot): string[] {
  const kind = kindOf(slot.key);
  if (kind === "user") return [bexId];
  if (kind) return idsB.get(kind)?.slice(0, 1) ?? [];
  return [...[...idsB.values()].map((ids) => ids[0]!), bexId];
}

/** A value of show A's for the fields not under test, so only one field is foreign at a time. */
function aValue(slot: Slot): string | null | undefined {
  const kind = kindOf(slot.key);
  const real = kind === "user" ? t.seed.users.sam : kind ? idsA.get(kind)?.[0] : undefined;
  if (real) return real;
  if (slot.omittable) return undefined;
  return slot.nullable ? null : randomUUID();
}

function inputFor(p: Procedure, showId: string, uuid: (slot: Slot) => string | null | undefined) {
  let input: Record<string, unknown> = { showId };
  for (const schema of p._def.inputs.slice(isShowScoped(p) ? 1 : 0))
    input = { ...input, ...(sample(schema, { uuid, hint }) as Record<string, unknown>) };
  for (const schema of p._def.inputs) {
    const parsed = schema.safeParse(input);
    if (!parsed.success)
      throw new Error(
        `could not build a valid input (${JSON.stringify(input)}): add a hint for this field in isolation.test.ts\n${String(parsed.error)}`,
      );
  }
  return input;
}

async function call(caller: Caller, path: string, input: unknown): Promise<Outcome> {
  const fn = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (
    input: unknown,
  ) => Promise<unknown>;
  try {
    return { ok: true, value: await fn(input) };
  } catch (error) {
    if (error instanceof TRPCError) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: "THROWN", message: String(error) };
  }
}

/** What a user could tell apart: success, or the code and message of the refusal. */
function visible(o: Outcome): string {
  return o.ok ? "ok" : `${o.code}: ${o.message}`;
}

function expectNoSecretsOfB(o: Outcome, what: string): void {
  const text = JSON.stringify(o.ok ? superjson.serialize(o.value).json : o.message) ?? "";
  const leaked = secretsOfB.filter((s) => text.includes(s));
  expect(leaked, `${what} revealed show B's data`).toEqual([]);
}

const NOT_FOUND = `NOT_FOUND: ${NOT_FOUND_MESSAGE}`;
const permissionRefusal = (o: Outcome) =>
  !o.ok && o.code === "FORBIDDEN" && o.message.includes('(permission "');

async function restoreShowA(row: typeof shows.$inferSelect): Promise<void> {
  await t.db.db.update(shows).set({ state: row.state, settings: row.settings }).where(eq(shows.id, A.id));
}

/**
 * Procedures that take no show: each with a check that it reveals nothing of a show the
 * caller is not in. A new one fails the first test above until it is listed here.
 */
const GLOBAL: Record<string, () => Promise<void>> = {
  "session.me": async () => {
    const me = await callers.get("sam")!.session.me();
    expect(me?.id).toBe(t.seed.users.sam);
    expectNoSecretsOfB({ ok: true, value: me }, "session.me");
  },
  "show.mine": async () => {
    for (const key of OUTSIDERS) {
      const mine = await callers.get(key)!.show.mine();
      expectNoSecretsOfB({ ok: true, value: mine }, `show.mine as ${key}`);
    }
  },
  "show.bySlug": async () => {
    for (const key of OUTSIDERS) {
      const other = await call(callers.get(key)!, "show.bySlug", { slug: B.slug });
      const missing = await call(callers.get(key)!, "show.bySlug", { slug: "no-such-show" });
      expect(visible(other)).toBe(NOT_FOUND);
      expect(visible(missing)).toBe(NOT_FOUND);
    }
  },
  "session.signOutEverywhere": async () => {
    // Acts on the caller's own account only: nothing of any show goes in or comes out.
    const out = await call(callers.get("nomad")!, "session.signOutEverywhere", undefined);
    expect(out).toEqual({ ok: true, value: { ok: true } });
  },
  "admin.users": async () => {
    expect(await call(callers.get("sam")!, "admin.users", undefined)).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    // Accounts are studio-wide, not show content: the list names people, never a show or a role in one.
    const list = await call(callers.get("admin")!, "admin.users", undefined);
    expect(list.ok).toBe(true);
    for (const account of (list as { value: Record<string, unknown>[] }).value)
      expect(Object.keys(account).sort()).toEqual(["disabled", "email", "id", "isStudioAdmin", "name"]);
    const text = JSON.stringify(list);
    for (const s of ["KELP", A.id, B.id]) expect(text).not.toContain(s);
  },
  "admin.setUserDisabled": async () => {
    const input = { userId: t.seed.users.nomad!, disabled: true };
    expect(await call(callers.get("sam")!, "admin.setUserDisabled", input)).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    const done = await call(callers.get("admin")!, "admin.setUserDisabled", input);
    expectNoSecretsOfB(done, "admin.setUserDisabled");
    await call(callers.get("admin")!, "admin.setUserDisabled", { ...input, disabled: false });
  },
  "notes.mine": async () => {
    // A note in show B on B's version that mentions every outsider: none of them may see it.
    const [version] = await t.db.db.select().from(versions).where(eq(versions.showId, B.id)).limit(1);
    const mentioned = OUTSIDERS.map((key) => t.seed.users[key]!);
    await t.db.db.insert(notes).values({
      showId: B.id,
      versionId: version!.id,
      id: "isolation-probe-note",
      kind: "comment",
      frameNumber: 1001,
      authorId: bexId,
      authorName: "Bex Tidewater-Only",
      text: "KELP only for Tidewater",
      mentions: mentioned,
      createdAt: new Date(),
    });
    try {
      for (const key of OUTSIDERS) {
        const mine = await callers.get(key)!.notes.mine();
        expect(mine.some((n) => n.id === "isolation-probe-note")).toBe(false);
        expectNoSecretsOfB({ ok: true, value: mine }, `notes.mine as ${key}`);
      }
    } finally {
      await t.db.db.delete(notes).where(eq(notes.id, "isolation-probe-note"));
    }
  },
  "admin.createShow": async () => {
    // Not an admin: refused. An admin creating a show gets no content of any show from it.
    const input = { slug: "probe-show", title: "Probe", codeName: null, producerEmail: "sam@shotboard.test" };
    const refused = await call(callers.get("sam")!, "admin.createShow", input);
    expect(refused).toMatchObject({ ok: false, code: "FORBIDDEN" });
    // The admin manages shows, so "that slug is taken" is theirs to know; nothing more of B is said.
    const taken = await call(callers.get("admin")!, "admin.createShow", { ...input, slug: B.slug });
    expect(taken).toMatchObject({ ok: false, code: "CONFLICT" });
    const said = (taken as { message: string }).message.replaceAll(B.slug, "");
    expect(secretsOfB.filter((s) => said.includes(s))).toEqual([]);
  },
};

describe("every procedure is either show-scoped or a listed global one", () => {
  it("the router has procedures, and every one is accounted for", () => {
    expect(procedures.length).toBeGreaterThan(5);
    const unaccounted = procedures
      .filter(([path, p]) => !isShowScoped(p) && !(path in GLOBAL))
      .map(([path]) => path);
    expect(
      unaccounted,
      "Not built from showProcedure and not listed in GLOBAL (isolation.test.ts): build it from showProcedure, or list it there with a check that it reveals nothing of any show",
    ).toEqual([]);
    const stale = Object.keys(GLOBAL).filter((path) => !procedures.some(([p]) => p === path));
    expect(stale, "GLOBAL lists procedures that no longer exist").toEqual([]);
  });
});

describe.each(procedures.filter(([, p]) => isShowScoped(p)))("%s", (path, procedure) => {
  it("with show B's ids answers exactly like with random ids, leaks nothing, changes nothing of B", async () => {
    const before = await showFingerprint(t.db.db, B.id);
    const [showRow] = await t.db.db.select().from(shows).where(eq(shows.id, A.id));
    try {
      const allSlots: Slot[] = [];
      for (const schema of procedure._def.inputs.slice(1)) allSlots.push(...slotsOf(schema, hint));
      const random = () => randomUUID();
      const allB = (slot: Slot) => bCandidates(slot)[0] ?? randomUUID();

      // Whose role in show A allows this procedure at all (FORBIDDEN naming a permission otherwise).
      let caller: Caller | undefined;
      let who = "";
      let randomOutcome: Outcome | undefined;
      for (const key of A_CALLERS) {
        const outcome = await call(callers.get(key)!, path, inputFor(procedure, A.id, random));
        await restoreShowA(showRow!);
        if (permissionRefusal(outcome)) continue;
        caller = callers.get(key)!;
        who = key;
        randomOutcome = outcome;
        break;
      }
      expect(caller, `no role of show A may call ${path}`).toBeDefined();
      expectNoSecretsOfB(randomOutcome!, `${path} as ${who}`);

      if (allSlots.length > 0) {
        // Every id field at once is show B's.
        const withB = await call(caller!, path, inputFor(procedure, A.id, allB));
        await restoreShowA(showRow!);
        expectNoSecretsOfB(withB, `${path} as ${who} with B's ids`);
        expect(visible(withB), `${path} as ${who}: B's ids vs random ids`).toBe(visible(randomOutcome!));
        if (allSlots.some((s) => !s.omittable && !s.nullable)) expect(visible(withB)).toBe(NOT_FOUND);

        // One foreign id at a time, the other fields holding show A's own ids.
        for (const slot of allSlots) {
          for (const foreign of bCandidates(slot)) {
            const only = (value: string) => (s: Slot) => (s.path === slot.path ? value : aValue(s));
            const withOneB = await call(caller!, path, inputFor(procedure, A.id, only(foreign)));
            await restoreShowA(showRow!);
            const withOneRandom = await call(caller!, path, inputFor(procedure, A.id, only(randomUUID())));
            await restoreShowA(showRow!);
            expectNoSecretsOfB(withOneB, `${path}: ${slot.path} = B's id`);
            expect(
              visible(withOneB),
              `${path}: ${slot.path} = B's ${kindOf(slot.key) ?? "id"} vs random`,
            ).toBe(visible(withOneRandom));
            if (!slot.omittable && !slot.nullable) expect(visible(withOneB)).toBe(NOT_FOUND);
          }
        }
      }

      // People outside show B, addressing it directly: the same NOT_FOUND as a show that does not exist.
      for (const key of OUTSIDERS) {
        const direct = await call(callers.get(key)!, path, inputFor(procedure, B.id, allB));
        const missing = await call(callers.get(key)!, path, inputFor(procedure, randomUUID(), random));
        expect(visible(direct), `${path} as ${key} on show B`).toBe(NOT_FOUND);
        expect(visible(missing)).toBe(NOT_FOUND);
      }
    } finally {
      await restoreShowA(showRow!);
    }
    expect(await showFingerprint(t.db.db, B.id), `${path} changed show B's rows`).toEqual(before);
  });
});

describe.each(Object.keys(GLOBAL))("global procedure %s", (path) => {
  it("reveals nothing of a show the caller is not in, and changes nothing of it", async () => {
    const before = await showFingerprint(t.db.db, B.id);
    await GLOBAL[path]!();
    expect(await showFingerprint(t.db.db, B.id)).toEqual(before);
  });
});

describe("calls that mix shows at once", () => {
  it("concurrent calls from one caller each stay in their own show", async () => {
    const sam = callers.get("sam")!;
    const tide = t.seed.shows.tidewater!;
    const moon = t.seed.shows.moonfall!;
    const results = await Promise.all([
      call(sam, "version.get", { showId: moon.id, versionId: moon.versionIds[0] }),
      call(sam, "version.get", { showId: moon.id, versionId: tide.versionIds[0] }),
      call(sam, "version.get", { showId: tide.id, versionId: tide.versionIds[0] }),
      call(sam, "board.get", { showId: moon.id, boardId: moon.boardId }),
      call(sam, "board.get", { showId: moon.id, boardId: tide.boardId }),
      call(sam, "show.overview", { showId: tide.id }),
      call(sam, "member.list", { showId: moon.id }),
      call(sam, "member.list", { showId: tide.id }),
    ]);
    expect(results.map(visible)).toEqual([
      "ok",
      NOT_FOUND,
      NOT_FOUND,
      "ok",
      NOT_FOUND,
      NOT_FOUND,
      "ok",
      NOT_FOUND,
    ]);
    for (const r of results) expectNoSecretsOfB(r, "a mixed call");

    // Priya is in both shows: each answer holds only the show it asked about.
    const priya = callers.get("priya")!;
    const both = await Promise.all([
      call(priya, "version.get", { showId: moon.id, versionId: moon.versionIds[1] }),
      call(priya, "version.get", { showId: tide.id, versionId: tide.versionIds[1] }),
      call(priya, "version.get", { showId: tide.id, versionId: moon.versionIds[1] }),
      call(priya, "version.get", { showId: moon.id, versionId: tide.versionIds[1] }),
    ]);
    expect(both.map(visible)).toEqual(["ok", "ok", NOT_FOUND, NOT_FOUND]);
    expect(both[0]).toMatchObject({ ok: true, value: { id: moon.versionIds[1] } });
    expect(both[1]).toMatchObject({ ok: true, value: { id: tide.versionIds[1] } });
  });

  it("one HTTP batch through the real tRPC endpoint answers each call for its own show", async () => {
    const tide = t.seed.shows.tidewater!;
    const moon = t.seed.shows.moonfall!;
    const [sam] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users.sam!));
    const token = await encode({
      token: { uid: sam!.id, sv: sam!.sessionVersion },
      secret: env().authSecret,
    });
    const calls = [
      ["version.get", { showId: moon.id, versionId: moon.versionIds[0] }],
      ["version.get", { showId: moon.id, versionId: tide.versionIds[0] }],
      ["version.get", { showId: tide.id, versionId: tide.versionIds[0] }],
      ["version.get", { showId: moon.id, versionId: randomUUID() }],
      ["board.get", { showId: tide.id, boardId: tide.boardId }],
      ["show.overview", { showId: moon.id }],
    ] as const;
    const input = Object.fromEntries(calls.map(([, i], n) => [n, superjson.serialize(i)]));
    const url = `http://localhost/api/trpc/${calls.map(([p]) => p).join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`;
    const req = new Request(url, { headers: { cookie: `next-auth.session-token=${token}` } });
    const res = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req,
      router: appRouter,
      createContext: async () =>
        createContextInner({ db: t.db.db, session: await readSession(t.db.db, req.headers.get("cookie")) }),
    });
    const body = (await res.json()) as {
      result?: { data: { json: unknown } };
      error?: { json: { message: string; data: { code: string } } };
    }[];
    const seen = body.map((r) => (r.error ? `${r.error.json.data.code}: ${r.error.json.message}` : "ok"));
    expect(seen).toEqual(["ok", NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, "ok"]);
    const text = JSON.stringify(body);
    expect(secretsOfB.filter((s) => text.includes(s))).toEqual([]);
    expect(text).toContain(moon.versionIds[0]);
  });
});
