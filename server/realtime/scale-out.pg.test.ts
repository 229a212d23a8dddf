import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { users, yjsUpdates } from "~/db/schema";
import { docName } from "~/shared/doc-name";
import { demoName, testStroke } from "~/testing/annotation";
import { type Seeded, seededDatabase } from "~/testing/db";
import { connectYClient, until, type YClient } from "~/testing/yclient";

/** Two live nodes as separate processes sharing PostgreSQL and Redis, as behind a load balancer. */
const SECRET = "scale-out-test-secret-0123456789abcdefghij";
const REDIS_URL = process.env.REDIS_URL_TEST ?? "redis://127.0.0.1:6379";
const ORIGIN = "http://localhost:3999";

type Node = { port: number; child: ChildProcess; exited: Promise<void>; journalDir: string };
let t: Seeded;
const nodes: Node[] = [];
const journalDirs = new Set<string>();

/** `journalDir`: a killed node's folder, for its restart to recover what it left there. */
function startNode(journalDir = mkdtempSync(path.join(tmpdir(), "shotboard-journal-"))): Promise<Node> {
  const child = spawn(process.execPath, ["--import", "tsx", "testing/realtime-node.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: t.db.url!,
      REDIS_URL,
      AUTH_SECRET: SECRET,
      PORT: "0",
      REALTIME_ORIGIN: ORIGIN,
      WS_MAX_MESSAGES_PER_SECOND: "5000",
      LIVE_JOURNAL_DIR: journalDir,
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  journalDirs.add(journalDir);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start:\n${output}`)), 30_000);
    child.stderr!.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      const m = /ready (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        const node = { port: Number(m[1]), child, exited, journalDir };
        nodes.push(node);
        resolve(node);
      }
    });
    child.once("exit", (code) => reject(new Error(`node exited with ${code}:\n${output}`)));
  });
}

async function cookieFor(key: string): Promise<string> {
  const uid = t.seed.users[key]!;
  const [u] = await t.db.db.select({ sv: users.sessionVersion }).from(users).where(eq(users.id, uid));
  return `next-auth.session-token=${await encode({ token: { uid, sv: u!.sv }, secret: SECRET })}`;
}

async function client(node: Node, user: string, doc: string): Promise<YClient> {
  const c = await connectYClient(`ws://127.0.0.1:${node.port}/yjs/${doc}`, {
    origin: ORIGIN,
    cookie: await cookieFor(user),
  });
  await c.synced;
  return c;
}

/** Demo user `key` as the server knows them: annotations must be in the writer's own name. */
function author(key: string): { id: string; name: string } {
  const id = t.seed.users[key]!;
  return { id, name: demoName(id, t.seed.users) };
}

let doc: string;
beforeAll(async () => {
  process.env.AUTH_SECRET = SECRET;
  t = await seededDatabase({ frames: 1 });
  const show = t.seed.shows.moonfall!;
  doc = docName("version", show.id, show.versionIds[0]!);
  await Promise.all([startNode(), startNode()]);
}, 120_000);

afterAll(async () => {
  for (const n of nodes) n.child.kill("SIGKILL");
  await Promise.all(nodes.map((n) => n.exited));
  await t?.dispose();
  for (const dir of journalDirs) rmSync(dir, { recursive: true, force: true });
});

describe("two live nodes sharing PostgreSQL and Redis", () => {
  it("a client on node 1 sees node 2's strokes and presence, and the other way round", async () => {
    const [n1, n2] = nodes as [Node, Node];
    const dana = await client(n1, "dana", doc);
    const sam = await client(n2, "sam", doc);
    const danaMap = dana.doc.getMap("annotations");
    const samMap = sam.doc.getMap("annotations");

    samMap.set("from-node-2", testStroke("from-node-2", author("sam")));
    await until(dana.doc, () => danaMap.has("from-node-2"), 10_000, "node 2's stroke on node 1");
    danaMap.set("from-node-1", testStroke("from-node-1", author("dana")));
    await until(sam.doc, () => samMap.has("from-node-1"), 10_000, "node 1's stroke on node 2");

    const seen = new Promise<string>((resolve) => {
      const check = () => {
        for (const state of dana.awareness.getStates().values()) {
          const name = (state as { user?: { name?: string } }).user?.name;
          if (name === "Sam Reyes") resolve(name);
        }
      };
      dana.awareness.on("change", check);
      check();
    });
    sam.awareness.setLocalState({ user: { name: "Someone Else" }, viewing: { frame: 1001 } });
    expect(await seen).toBe("Sam Reyes");
    dana.close();
    sam.close();
  });

  it("a node killed mid-session and restarted loses nothing another client received", async () => {
    const n1 = nodes[0]!;
    const n2 = nodes[1]!;
    const dana = await client(n1, "dana", doc);
    const sam = await client(n2, "sam", doc);
    const samMap = sam.doc.getMap("annotations");
    for (let i = 0; i < 50; i++) samMap.set(`burst-${i}`, testStroke(`burst-${i}`, author("sam")));
    const danaMap = dana.doc.getMap("annotations");
    await until(dana.doc, () => danaMap.has("burst-49"), 10_000, "the burst on node 1");

    n2.child.kill("SIGKILL");
    await n2.exited;
    nodes.splice(nodes.indexOf(n2), 1);
    const restarted = await startNode(n2.journalDir);
    const fresh = await client(restarted, "ari", doc);
    const keys = [...fresh.doc.getMap("annotations").keys()];
    for (let i = 0; i < 50; i++) expect(keys).toContain(`burst-${i}`);
    expect(keys).toContain("from-node-1");
    dana.close();
    sam.close();
    fresh.close();
  });

  it("compaction with both nodes writing keeps every update exactly once", async () => {
    const [n1, n2] = nodes as [Node, Node];
    const a = await client(n1, "dana", doc);
    const b = await client(n2, "sam", doc);
    // Annotations in each writer's name, numbered by key and createdAt.
    const dana = author("dana");
    const sam = author("sam");
    const written = (side: "a" | "b", i: number) =>
      testStroke(`${side}-${i}`, side === "a" ? dana : sam, { createdAt: 1_700_000_000_000 + i });
    const am = a.doc.getMap("annotations");
    const bm = b.doc.getMap("annotations");
    // More rows than the compaction threshold, written one update per message from both sides.
    for (let i = 0; i < 260; i++) {
      am.set(`a-${i}`, written("a", i));
      bm.set(`b-${i}`, written("b", i));
      if (i % 20 === 19) await until(a.doc, () => am.has(`b-${i}`), 10_000, `b-${i} on node 1`);
    }
    await until(a.doc, () => am.has("b-259"), 10_000, "all of node 2's writes on node 1");
    await until(b.doc, () => bm.has("a-259"), 10_000, "all of node 1's writes on node 2");
    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);

    const rows = await t.db.db
      .select({ update: yjsUpdates.update })
      .from(yjsUpdates)
      .where(eq(yjsUpdates.docName, doc));
    expect(rows.length).toBeLessThan(300); // compacted
    const stored = new Y.Doc();
    for (const r of rows) Y.applyUpdate(stored, r.update);
    const map = stored.getMap("annotations");
    for (let i = 0; i < 260; i++) {
      expect(map.get(`a-${i}`)).toEqual(written("a", i));
      expect(map.get(`b-${i}`)).toEqual(written("b", i));
    }
  });
});
