/**
 * Every tRPC procedure of appRouter (found from the router, like isolation.test.ts, so a new
 * one is fuzzed without touching this file) is called by a signed-in member with generated
 * junk: wrong types, 1 MB strings, unicode and control characters, negative / NaN / Infinity
 * numbers, deep objects, long arrays — as the whole input and in every field of an otherwise
 * valid input. Every call either succeeds (junk that is valid, say a unicode title) or answers
 * a 4xx TRPCError; none is INTERNAL_SERVER_ERROR, none is not a TRPCError, and no message or
 * HTTP body carries a stack trace.
 */
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { shows, users } from "~/db/schema";
import { readSession } from "~/server/auth/session";
import { createContextInner } from "~/server/context";
import { env } from "~/server/env";
import { appRouter } from "~/server/root";
import { ZShowScopeInput } from "~/server/trpc";
import { type Seeded, seededDatabase } from "~/testing/db";
import { recordResult } from "~/testing/reliability-results";
import { type Schema, type Slot, sample } from "~/testing/zod-sample";

vi.hoisted(() => {
  process.env.AUTH_SECRET = "fuzz-test-secret-0123456789abcdefghijklmnopqrstu";
});

type Procedure = { _def: { type: "query" | "mutation" | "subscription"; inputs: Schema[] } };
type Caller = Awaited<ReturnType<Seeded["as"]>>;

const procedures = Object.entries(
  (appRouter._def as unknown as { procedures: Record<string, Procedure> }).procedures,
).sort(([a], [b]) => a.localeCompare(b));

const MB = "x".repeat(1024 * 1024);
const deep = (n: number): unknown => (n === 0 ? "bottom" : { a: deep(n - 1), b: [n] });

/** The junk each whole input and each field gets. */
const JUNK: [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["true", true],
  ["-1", -1],
  ["-0.5", -0.5],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["2^60", 2 ** 60],
  ["empty string", ""],
  ["1 MB string", MB],
  ["unicode and controls", "😀 \u0000\u202e\uffff\ud800 Ω ﷽ 𝕏"],
  ["sql", "'; drop table users; --"],
  ["path", "../../../etc/passwd"],
  ["html", "<script>alert(1)</script>"],
  ["empty array", []],
  ["long array", Array.from({ length: 10_000 }, (_, i) => i)],
  ["empty object", {}],
  ["deep object", deep(200)],
  ["__proto__", JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}')],
  ["invalid date", new Date(Number.NaN)],
];

const STACK = /\n\s+at |\bat .+\.(ts|js):\d+|node_modules|\/work\//;

let t: Seeded;
const callers = new Map<string, Caller>();
const CANDIDATES = ["dana", "priya", "sam", "admin"] as const;

beforeAll(async () => {
  t = await seededDatabase({ frames: 1 });
  for (const key of CANDIDATES) callers.set(key, await t.as(key));
});

afterAll(async () => {
  await t?.dispose();
});

function isShowScoped(p: Procedure): boolean {
  return p._def.inputs[0] === (ZShowScopeInput as unknown as Schema);
}

function hint(key: string): unknown {
  if (key === "slug") return "moonfall";
  if (key === "email" || key.endsWith("Email")) return "nobody-fuzz@shotboard.test";
  if (key === "sha256" || key.endsWith("Sha256")) return "0".repeat(64);
  return undefined;
}

/** A valid input, with show A's real ids where the field name says which kind. */
function validInput(p: Procedure): Record<string, unknown> | undefined {
  const show = t.seed.shows.moonfall!;
  const uuid = (slot: Slot) => {
    if (/^version/.test(slot.key)) return show.versionIds[0];
    if (/^board/.test(slot.key)) return show.boardId;
    if (/^shot/.test(slot.key)) return show.shotIds[0];
    if (/user/i.test(slot.key)) return t.seed.users.sam;
    return randomUUID();
  };
  if (p._def.inputs.length === 0) return undefined;
  let input: Record<string, unknown> = isShowScoped(p) ? { showId: show.id } : {};
  for (const schema of p._def.inputs.slice(isShowScoped(p) ? 1 : 0)) {
    try {
      input = { ...input, ...(sample(schema, { uuid, hint }) as Record<string, unknown>) };
    } catch {
      // A schema the sampler cannot build (lazy, …): fuzz the whole input only.
    }
  }
  return input;
}

/** Every field path of a valid input (objects are followed one level down). */
function fieldPaths(input: Record<string, unknown> | undefined): string[][] {
  if (!input) return [];
  const paths: string[][] = [];
  for (const [k, v] of Object.entries(input)) {
    paths.push([k]);
    if (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date))
      for (const inner of Object.keys(v)) paths.push([k, inner]);
  }
  return paths;
}

function withField(input: Record<string, unknown>, path: string[], value: unknown) {
  const copy = structuredClone(input);
  let at: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

type Verdict = "accepted" | "refused" | { bad: string };

async function call(caller: Caller, path: string, input: unknown): Promise<Verdict> {
  const fn = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (
    input: unknown,
  ) => Promise<unknown>;
  try {
    await fn(input);
    return "accepted";
  } catch (error) {
    if (!(error instanceof TRPCError)) return { bad: `not a TRPCError: ${String(error).slice(0, 300)}` };
    if (error.code === "INTERNAL_SERVER_ERROR")
      return { bad: `INTERNAL_SERVER_ERROR: ${String(error.cause ?? error.message).slice(0, 300)}` };
    if (STACK.test(error.message)) return { bad: `stack trace in message: ${error.message.slice(0, 300)}` };
    return "refused";
  }
}

/** The member whose role lets them call `path` (a valid call is not refused for a permission). */
async function callerFor(path: string, p: Procedure): Promise<Caller> {
  const [showRow] = await t.db.db.select().from(shows).where(eq(shows.id, t.seed.shows.moonfall!.id));
  for (const key of CANDIDATES) {
    const caller = callers.get(key)!;
    try {
      await (
        path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (
          i: unknown,
        ) => Promise<unknown>
      )(validInput(p));
      return caller;
    } catch (error) {
      if (error instanceof TRPCError && error.code === "FORBIDDEN") continue;
      return caller;
    } finally {
      await restore(showRow!);
    }
  }
  return callers.get("dana")!;
}

async function restore(row: typeof shows.$inferSelect): Promise<void> {
  await t.db.db.update(shows).set({ state: row.state, settings: row.settings }).where(eq(shows.id, row.id));
}

const totals = { tried: 0, refused: 0, accepted: 0, bad: 0 };

describe.each(procedures)("%s", (path, procedure) => {
  it("answers junk with a clean 4xx (or accepts it), never a 500 or a stack trace", async () => {
    const [showRow] = await t.db.db.select().from(shows).where(eq(shows.id, t.seed.shows.moonfall!.id));
    const caller = await callerFor(path, procedure);
    const valid = validInput(procedure);
    const cases: [string, unknown][] = JUNK.map(([name, v]) => [`whole input = ${name}`, v]);
    if (valid)
      for (const field of fieldPaths(valid))
        for (const [name, v] of JUNK)
          cases.push([`${field.join(".")} = ${name}`, withField(valid, field, v)]);
    const bad: string[] = [];
    try {
      for (const [what, input] of cases) {
        const verdict = await call(caller, path, input);
        totals.tried++;
        if (verdict === "refused") totals.refused++;
        else if (verdict === "accepted") totals.accepted++;
        else {
          totals.bad++;
          bad.push(`${what}: ${verdict.bad}`);
        }
        if (procedure._def.type === "mutation") await restore(showRow!);
      }
    } finally {
      await restore(showRow!);
    }
    expect(bad, `${path} answered junk badly`).toEqual([]);
  });
});

describe("over HTTP", () => {
  it("error bodies carry code, message and field errors, and never a stack", async () => {
    const [sam] = await t.db.db.select().from(users).where(eq(users.id, t.seed.users.sam!));
    const token = await encode({
      token: { uid: sam!.id, sv: sam!.sessionVersion },
      secret: env().authSecret,
    });
    const cookie = `next-auth.session-token=${token}`;
    let tried = 0;
    let refused = 0;
    for (const [path, p] of procedures) {
      for (const [, junk] of JUNK.filter(([n]) => n !== "1 MB string" || p._def.type === "mutation")) {
        let encoded: string;
        try {
          encoded = JSON.stringify(superjson.serialize(junk));
        } catch {
          encoded = JSON.stringify({ json: junk }); // superjson refuses to send __proto__; a raw client might
        }
        const req =
          p._def.type === "query"
            ? new Request(`http://localhost/api/trpc/${path}?input=${encodeURIComponent(encoded)}`, {
                headers: { cookie },
              })
            : new Request(`http://localhost/api/trpc/${path}`, {
                method: "POST",
                headers: { cookie, "content-type": "application/json" },
                body: encoded,
              });
        const res = await fetchRequestHandler({
          endpoint: "/api/trpc",
          req,
          router: appRouter,
          createContext: async () =>
            createContextInner({ db: t.db.db, session: await readSession(t.db.db, cookie) }),
        });
        tried++;
        if (res.status >= 400) refused++;
        const body = await res.text();
        expect(res.status, `${path}: ${body.slice(0, 300)}`).toBeLessThan(500);
        expect(body, path).not.toMatch(STACK);
        expect(body, path).not.toContain('"stack"');
      }
    }
    totals.tried += tried;
    totals.refused += refused;
    totals.accepted += tried - refused;
  });
});

describe("summary", () => {
  it("tried every procedure", () => {
    expect(totals.tried).toBeGreaterThan(procedures.length * JUNK.length);
    expect(totals.bad).toBe(0);
    console.log(
      `fuzz: ${procedures.length} procedures, ${totals.tried} junk inputs: ${totals.refused} refused with a 4xx, ${totals.accepted} accepted as valid, ${totals.bad} answered badly`,
    );
    recordResult({
      kind: "input",
      name: `tRPC fuzz (${procedures.length} procedures)`,
      tried: totals.tried,
      refused: totals.refused + totals.accepted,
    });
  });
});
