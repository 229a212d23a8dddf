import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, inScope, openDatabase } from "~/db/client";
import { auditEvents, shows } from "~/db/schema";
import { seedDemo } from "~/server/seed/demo";
import {
  describeReport,
  exportEvents,
  toJsonLines,
  verifyShowChain,
} from "~/server/services/audit/audit-verify";
import { LocalMediaStore } from "~/server/storage/media-store";
import { type Seeded, seededDatabase } from "~/testing/db";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../../..");

/** Runs a command; resolves with its exit code and output whether it succeeded or not. */
async function exec(cmd: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd: root, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const offline = (file: string, ...args: string[]) =>
  exec(process.execPath, [path.join(root, "scripts/verify-audit-export.mjs"), file, ...args]);
const cli = (args: string[], env: Record<string, string>) =>
  exec(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "scripts/audit-verify.ts"), ...args], env);

type Row = typeof auditEvents.$inferSelect;

/** Tampering as the database owner (not the app role): alter, delete or reorder rows. */
const tamper = {
  async alter(db: Database, showId: string, seq: number) {
    await db.execute(
      sql`update audit_events set payload = payload || '{"forged":true}'::jsonb where show_id = ${showId} and seq = ${seq}`,
    );
  },
  async remove(db: Database, showId: string, seq: number): Promise<Row> {
    const [row] = await db
      .delete(auditEvents)
      .where(and(eq(auditEvents.showId, showId), eq(auditEvents.seq, seq)))
      .returning();
    return row!;
  },
  async swap(db: Database, showId: string, a: number, b: number) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`update audit_events set seq = -1 where show_id = ${showId} and seq = ${a}`);
      await tx.execute(sql`update audit_events set seq = ${a} where show_id = ${showId} and seq = ${b}`);
      await tx.execute(sql`update audit_events set seq = ${b} where show_id = ${showId} and seq = -1`);
    });
  },
};

describe("audit chain", () => {
  let t: Seeded;
  let showId: string;
  let dir: string;

  beforeAll(async () => {
    t = await seededDatabase();
    showId = t.seed.shows.moonfall!.id;
    dir = mkdtempSync(path.join(tmpdir(), "shotboard-audit-"));
    // Some real activity on top of the seed: a recommendation, a gate change, an approval.
    const versionId = t.seed.shows.moonfall!.versionIds[1]!;
    await (await t.as("sam")).version.recommend({ showId, versionId });
    await (await t.as("priya")).show.setGates({ showId, gates: { aiProvenance: true } });
    await (await t.as("dana")).version.decide({ showId, versionId, kind: "approved" });
  });

  afterAll(async () => {
    await t?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const events = () => inScope(t.db.db, { showId }, (tx) => exportEvents(tx, { showId }));

  it("verifies through tRPC for directors and producers only", async () => {
    const all = await events();
    const verdict = await (await t.as("priya")).audit.verify({ showId });
    expect(verdict).toEqual({ intact: true, count: all.length, headHash: all.at(-1)!.hash });
    expect(describeReport(verdict)).toBe(`intact, ${all.length} events, head hash ${all.at(-1)!.hash}`);
    expect(await (await t.as("dana")).audit.verify({ showId })).toEqual(verdict);
    await expect((await t.as("ari")).audit.verify({ showId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect((await t.as("sam")).audit.list({ showId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const page = await (await t.as("dana")).audit.list({ showId, limit: 3 });
    expect(page.events.map((e) => e.seq)).toEqual([all.length, all.length - 1, all.length - 2]);
    expect(page.events[0]).toMatchObject({
      action: "decision.approved",
      actorName: "Dana Okafor",
      payload: { credits: { locked: true } },
    });
    expect(page.nextBeforeSeq).toBe(all.length - 2);
  });

  it("names the altered event", async () => {
    const before = await events();
    const target = before[4]!;
    await tamper.alter(t.db.db, showId, target.seq);
    try {
      const r = await (await t.as("priya")).audit.verify({ showId });
      expect(r).toMatchObject({
        intact: false,
        broken: { seq: target.seq, id: target.id, reason: expect.stringMatching(/was altered/) },
      });
      expect(describeReport(r)).toMatch(
        new RegExp(`^BROKEN at event seq ${target.seq} \\(id ${target.id}\\)`),
      );
    } finally {
      await t.db.db.execute(
        sql`update audit_events set payload = ${JSON.stringify(target.payload)}::jsonb where id = ${target.id}`,
      );
    }
    expect((await verifyShowChain(t.db.db, { showId })).intact).toBe(true);
  });

  it("names the deleted event", async () => {
    const before = await events();
    const removed = await tamper.remove(t.db.db, showId, 3);
    try {
      const r = await (await t.as("priya")).audit.verify({ showId });
      expect(r).toMatchObject({
        intact: false,
        count: before.length - 1,
        broken: { seq: 3, id: before[3]!.id, reason: "event #3 is missing or out of order (found #4)" },
      });
    } finally {
      await t.db.db.insert(auditEvents).values(removed);
    }
    expect((await verifyShowChain(t.db.db, { showId })).intact).toBe(true);
  });

  it("names reordered events", async () => {
    const before = await events();
    await tamper.swap(t.db.db, showId, 2, 6);
    try {
      const r = await (await t.as("dana")).audit.verify({ showId });
      // The row now at seq 2 is the former #6: its hash covered seq 6, and its link is wrong.
      expect(r).toMatchObject({
        intact: false,
        broken: { seq: 2, id: before[5]!.id, reason: expect.stringMatching(/event #2/) },
      });
    } finally {
      await tamper.swap(t.db.db, showId, 2, 6);
    }
    expect((await verifyShowChain(t.db.db, { showId })).intact).toBe(true);
  });

  it("an export verifies offline with the plain-Node recipe, which names tampering too", async () => {
    const all = await events();
    const lines = toJsonLines(all);
    const file = path.join(dir, "export.jsonl");
    writeFileSync(file, lines);
    const ok = await offline(file);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout.trim()).toBe(`intact, ${all.length} events, head hash ${all.at(-1)!.hash}`);
    expect((await offline(file, "--expect-head", all.at(-1)!.hash)).code).toBe(0);

    const rows = lines.trimEnd().split("\n");
    const altered = rows.map((l, i) => (i === 2 ? l.replace('"action":"', '"action":"x') : l));
    writeFileSync(file, `${altered.join("\n")}\n`);
    expect(await offline(file)).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(
        new RegExp(`^BROKEN at event seq 3 \\(id ${all[2]!.id}\\), line 3: .*altered`),
      ),
    });

    writeFileSync(file, `${rows.filter((_, i) => i !== 3).join("\n")}\n`);
    expect(await offline(file)).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^BROKEN at event seq 5 .*event #4 is missing or out of order/),
    });

    const swapped = [...rows];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    writeFileSync(file, `${swapped.join("\n")}\n`);
    expect(await offline(file)).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/event #2 is missing or out of order/),
    });

    writeFileSync(file, `${rows.slice(0, -1).join("\n")}\n`);
    expect(await offline(file)).toMatchObject({ code: 0 });
    expect(await offline(file, "--expect-head", all.at(-1)!.hash)).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/removed from the end/),
    });
    expect((await offline(path.join(dir, "missing.jsonl"))).code).toBe(2);
  });

  it("`npm run audit:verify` reports intact or the first broken event", async () => {
    let env: Record<string, string>;
    let db: Database;
    let close = async () => {};
    let reopen = async () => {};
    if (t.db.url) {
      env = { DATABASE_URL: t.db.url };
      db = t.db.db;
    } else {
      // The embedded database: one process per folder, so the test closes it before the CLI runs.
      const dataDir = path.join(dir, "data");
      let handle = await openDatabase({ dataDir });
      await seedDemo(handle.db, new LocalMediaStore(path.join(dataDir, "media")), { frames: 1 });
      env = { DATA_DIR: dataDir, DATABASE_URL: "" };
      db = handle.db;
      close = () => handle.close();
      reopen = async () => {
        handle = await openDatabase({ dataDir });
        db = handle.db;
      };
    }
    const [show] = await db.select().from(shows).where(eq(shows.slug, "moonfall"));
    const head = (await inScope(db, { showId: show!.id }, (tx) => exportEvents(tx, { showId: show!.id }))).at(
      -1,
    )!;
    await close();
    const ok = await cli(["--show", "moonfall"], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe(`intact, ${head.seq} events, head hash ${head.hash}`);
    expect(await cli(["--show", "nope"], env)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/No show with slug "nope"/),
    });

    await reopen();
    await tamper.alter(db, show!.id, 2);
    const [second] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.showId, show!.id), eq(auditEvents.seq, 2)));
    await close();
    try {
      const broken = await cli(["--show", "moonfall"], env);
      expect(broken.code).toBe(1);
      expect(broken.stdout.trim()).toMatch(
        new RegExp(`^BROKEN at event seq 2 \\(id ${second!.id}\\): event #2 was altered`),
      );
    } finally {
      await reopen();
      await db.execute(
        sql`update audit_events set payload = payload - 'forged' where show_id = ${show!.id} and seq = 2`,
      );
      if (!t.db.url) await close();
    }
  }, 120_000);

  it("deleting a show (with signed-off versions) cascades everywhere except into its audit chain", async () => {
    const tidewater = t.seed.shows.tidewater!;
    await (await t.as("ari")).version.decide({
      showId: tidewater.id,
      versionId: tidewater.versionIds[1]!,
      kind: "approved",
    });
    const before = await t.db.db.select().from(auditEvents).where(eq(auditEvents.showId, tidewater.id));
    await t.db.db.delete(shows).where(eq(shows.id, tidewater.id));
    const after = await t.db.db.select().from(auditEvents).where(eq(auditEvents.showId, tidewater.id));
    expect(after).toEqual(before);
    expect(before.length).toBeGreaterThan(5);
  });
});
