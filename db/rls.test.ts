/**
 * Row-level security is a real backstop: inside a show's transaction the app role sees and
 * writes only that show's rows, whatever the SQL says. Runs the same on PGlite and PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inScope } from "~/db/client";
import { shots, versions } from "~/db/schema";
import { APP_ROLE } from "~/db/schema/roles";
import { type Seeded, seededDatabase } from "~/testing/db";
import { rowsOf, showScopedTables } from "~/testing/show-fingerprint";

let t: Seeded;
let A: Seeded["seed"]["shows"][string];
let B: Seeded["seed"]["shows"][string];
let tables: string[];

beforeAll(async () => {
  t = await seededDatabase();
  A = t.seed.shows.moonfall!;
  B = t.seed.shows.tidewater!;
  tables = await showScopedTables(t.db.db);
});

afterAll(async () => {
  await t?.dispose();
});

/** The SQLSTATE a statement failed with (drizzle wraps the driver's error). */
async function sqlState(query: Promise<unknown>): Promise<string> {
  try {
    await query;
  } catch (error) {
    for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    }
    return `no sqlstate: ${String(error)}`;
  }
  throw new Error("expected the statement to fail, but it succeeded");
}

const INSUFFICIENT_PRIVILEGE = "42501";

/** Counts as the connection's own (superuser) role: what really is in the table. */
async function countAsOwner(table: string, where: string): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await t.db.db.execute(sql.raw(`select count(*)::int as n from "${table}" where ${where}`)),
  );
  return row!.n;
}

describe("a query that forgets its show filter", () => {
  it("select * from shots, unfiltered, returns only the show in scope", async () => {
    const rows = await inScope(t.db.db, { showId: A.id, userId: t.seed.users.dana }, (tx) =>
      tx.select().from(shots),
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...A.shotIds].sort());
    expect(rows.every((r) => r.showId === A.id)).toBe(true);
    // Show B's shots are really there, just not visible.
    expect(await countAsOwner("shots", `show_id = '${B.id}'`)).toBe(B.shotIds.length);
  });

  it("every show-scoped table, read without a filter, holds only the scoped show's rows", async () => {
    expect(tables).toEqual(
      expect.arrayContaining(["shots", "versions", "frames", "memberships", "audit_events"]),
    );
    for (const table of tables) {
      const [seen] = await inScope(t.db.db, { showId: A.id }, async (tx) =>
        rowsOf<{ all: number; foreign: number }>(
          await tx.execute(
            sql.raw(
              `select count(*)::int as all, count(*) filter (where show_id <> '${A.id}')::int as foreign from "${table}"`,
            ),
          ),
        ),
      );
      expect({ table, foreign: seen!.foreign }).toEqual({ table, foreign: 0 });
      expect({ table, all: seen!.all }).toEqual({
        table,
        all: await countAsOwner(table, `show_id = '${A.id}'`),
      });
    }
  });

  it("with no show in scope, nothing show-scoped is visible (a user sees only their own memberships)", async () => {
    for (const table of tables) {
      const [seen] = await inScope(t.db.db, { userId: t.seed.users.sam }, async (tx) =>
        rowsOf<{ n: number }>(await tx.execute(sql.raw(`select count(*)::int as n from "${table}"`))),
      );
      const expected = table === "memberships" ? 1 : 0; // sam is on moonfall only
      expect({ table, n: seen!.n }).toEqual({ table, n: expected });
    }
  });
});

describe("raw SQL aimed at another show", () => {
  it("asking for show B's rows by id or show id returns nothing", async () => {
    const result = await inScope(t.db.db, { showId: A.id, userId: t.seed.users.priya }, async (tx) => ({
      byShow: rowsOf(await tx.execute(sql`select * from shots where show_id = ${B.id}`)),
      byId: rowsOf(await tx.execute(sql`select * from versions where id = ${B.versionIds[0]!}`)),
      joined: rowsOf(
        await tx.execute(
          sql`select f.* from frames f join versions v on v.id = f.version_id where v.show_id = ${B.id}`,
        ),
      ),
      audit: rowsOf(await tx.execute(sql`select * from audit_events where show_id = ${B.id}`)),
      union: rowsOf(
        await tx.execute(sql`select id from shots union all select id from shots where show_id = ${B.id}`),
      ),
    }));
    // priya is a producer of B too: membership elsewhere opens nothing inside A's transaction.
    expect(result).toEqual({ byShow: [], byId: [], joined: [], audit: [], union: expect.any(Array) });
    expect(result.union).toHaveLength(A.shotIds.length);
  });

  it("writes to show B's rows are refused or touch nothing", async () => {
    const scope = { showId: A.id, userId: t.seed.users.priya };
    const insert = inScope(t.db.db, scope, (tx) =>
      tx.insert(shots).values({ showId: B.id, code: "SQ999_SH9999", frameStart: 1, frameEnd: 2 }),
    );
    expect(await sqlState(insert)).toBe(INSUFFICIENT_PRIVILEGE);
    // Moving one of A's rows into B is refused by the policy's WITH CHECK.
    const move = inScope(t.db.db, scope, (tx) =>
      tx.update(shots).set({ showId: B.id }).where(eq(shots.id, A.shotIds[0]!)),
    );
    expect(await sqlState(move)).toBe(INSUFFICIENT_PRIVILEGE);
    const touched = await inScope(t.db.db, scope, async (tx) => ({
      updated: (
        await tx.update(shots).set({ description: "hijacked" }).where(eq(shots.showId, B.id)).returning()
      ).length,
      deleted: (await tx.delete(versions).where(eq(versions.showId, B.id)).returning()).length,
    }));
    expect(touched).toEqual({ updated: 0, deleted: 0 });
    expect(await countAsOwner("shots", `show_id = '${B.id}' and description = 'hijacked'`)).toBe(0);
    expect(await countAsOwner("versions", `show_id = '${B.id}'`)).toBe(B.versionIds.length);
  });

  it("the transaction's show id is the only key: it is set by inScope from the checked show, never from input", async () => {
    // Documented on purpose: whoever controls app.show_id in a transaction controls which show it
    // sees. Only db/client.ts inScope sets it, with the show that showProcedure resolved from a
    // live membership; no query text in the app is built from user input.
    const seen = await inScope(t.db.db, { showId: A.id }, async (tx) => {
      const before = rowsOf<{ show_id: string }>(await tx.execute(sql`select distinct show_id from shots`));
      await tx.execute(sql`select set_config('app.show_id', ${B.id}, true)`);
      const after = rowsOf<{ show_id: string }>(await tx.execute(sql`select distinct show_id from shots`));
      return { before: before.map((r) => r.show_id), after: after.map((r) => r.show_id) };
    });
    expect(seen).toEqual({ before: [A.id], after: [B.id] });
    // A made-up show id opens nothing, and the setting does not outlive its transaction.
    const madeUp = await inScope(t.db.db, { showId: randomUUID() }, (tx) => tx.select().from(shots));
    expect(madeUp).toEqual([]);
    const next = await inScope(t.db.db, {}, async (tx) =>
      rowsOf<{ v: string | null }>(await tx.execute(sql`select current_setting('app.show_id', true) as v`)),
    );
    expect(next[0]!.v ?? "").toBe("");
  });
});

describe("the app role cannot switch row-level security off", () => {
  it("it owns no table, is no superuser, cannot bypass RLS, and RLS is forced on every show table", async () => {
    const [role] = rowsOf<{ rolsuper: boolean; rolbypassrls: boolean }>(
      await t.db.db.execute(sql`select rolsuper, rolbypassrls from pg_roles where rolname = ${APP_ROLE}`),
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const flags = rowsOf<{
      relname: string;
      relrowsecurity: boolean;
      relforcerowsecurity: boolean;
      owner: string;
    }>(
      await t.db.db.execute(sql`
        select c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) as owner
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'`),
    );
    for (const table of [...tables, "shows"]) {
      const f = flags.find((r) => r.relname === table);
      expect({ table, rls: f?.relrowsecurity, forced: f?.relforcerowsecurity }).toEqual({
        table,
        rls: true,
        forced: true,
      });
      expect(f?.owner).not.toBe(APP_ROLE);
    }
  });

  it.each([
    ["disable row level security", `alter table shots disable row level security`],
    ["stop forcing it", `alter table shots no force row level security`],
    ["drop a policy", `drop policy show_isolation on shots`],
    ["add a permissive policy", `create policy open_door on shots for select to ${APP_ROLE} using (true)`],
    ["grant itself BYPASSRLS", `alter role ${APP_ROLE} bypassrls`],
    ["make itself superuser", `alter role ${APP_ROLE} superuser`],
    ["take ownership", `alter table shots owner to ${APP_ROLE}`],
    ["truncate the audit log", `truncate audit_events`],
  ])("refuses to %s", async (_what, statement) => {
    const attempt = inScope(t.db.db, { showId: A.id }, (tx) => tx.execute(sql.raw(statement)));
    expect(await sqlState(attempt)).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it("turning row_security off fails closed: the query errors instead of seeing everything", async () => {
    const attempt = inScope(t.db.db, { showId: A.id }, async (tx) => {
      await tx.execute(sql`set local row_security = off`);
      return tx.execute(sql`select * from shots`);
    });
    expect(await sqlState(attempt)).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it("a connection that logs in as a member of the app role cannot become the owner (PostgreSQL)", async () => {
    // The app's own connection logs in as the database owner (or, on embedded PGlite, as its
    // only user, a superuser), and a superuser session may always `reset role`: so RLS guards
    // against query mistakes, not against code that can run arbitrary SQL. Deployments that want
    // the stronger guarantee log in as a role that is only a member of the app role; this shows
    // that such a login cannot climb back to the owner. PGlite has a single superuser session.
    if (t.db.kind !== "postgres" || !t.db.url) {
      const [who] = rowsOf<{ session_user: string }>(await t.db.db.execute(sql`select session_user`));
      expect(who!.session_user).toBe("postgres");
      return;
    }
    const login = `shotboard_rls_probe_${Math.random().toString(36).slice(2, 8)}`;
    await t.db.db.execute(sql.raw(`create role ${login} login password 'probe' in role ${APP_ROLE}`));
    const url = new URL(t.db.url);
    url.username = login;
    url.password = "probe";
    const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
    try {
      const result = await client.begin(async (tx) => {
        await tx`select set_config('app.show_id', ${A.id}, true)`;
        await tx.unsafe(`set local role ${APP_ROLE}`);
        const visible = await tx`select distinct show_id::text from shots`;
        const climb = await tx
          .savepoint((sp) => sp.unsafe("set local role postgres"))
          .then(
            () => "allowed",
            (error: { code?: string }) => error.code ?? "refused",
          );
        await tx.unsafe("reset role");
        const asLogin = await tx`select count(*)::int as n from shots where show_id = ${B.id}`;
        return { visible: visible.map((r) => r.show_id), climb, bAfterReset: asLogin[0]!.n };
      });
      expect(result).toEqual({ visible: [A.id], climb: INSUFFICIENT_PRIVILEGE, bAfterReset: 0 });
    } finally {
      await client.end();
      await t.db.db.execute(sql.raw(`drop role if exists ${login}`));
    }
  });
});
