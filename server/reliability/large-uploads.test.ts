/**
 * Ten large uploads at once, over HTTP, against a node serving the real upload routes
 * (testing/ingest-node.ts) on PostgreSQL: each carries two 8000×8000 frames, and one
 * such frame holds ~150 MB while it decodes. Decodes are bounded per node, shared by every
 * request (MEDIA_DECODE_CONCURRENCY=2), so all ten are stored while the node's memory stays
 * bounded. The node's peak RSS goes into the summary (reported, not asserted: it depends on
 * the machine); the most decodes the node ran at once is checked against its limit.
 */
import { count } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { frames, versions } from "~/db/schema";
import type { Seeded } from "~/testing/db";
import { pngFrame } from "~/testing/frames";
import { seededLiveNode } from "~/testing/live-node-fixture";
import { filesUnder } from "~/testing/media-files";
import { recordResult } from "~/testing/reliability-results";
import type { LiveNode } from "~/testing/spawn-node";

const SECRET = "large-uploads-secret-large-uploads-secret-0123";
const UPLOADS = 10;
const FRAMES = 2;
const SIDE = 8000;

const live = seededLiveNode({
  secret: SECRET,
  script: "testing/ingest-node.ts",
  env: (t) => ({ MEDIA_DIR: t.mediaDir, MEDIA_DECODE_CONCURRENCY: "2" }),
});
let t: Seeded;
let node: LiveNode;
let token: string;

beforeAll(async () => {
  ({ t, node } = live);
  const priya = await t.as("priya");
  token = (await priya.token.create({ showId: t.seed.shows.moonfall!.id, name: "large" })).token;
});

/** The most decodes the node has run at once, and its limit (asked over IPC). */
function nodeDecodes(n: LiveNode): Promise<{ limit: number; peak: number }> {
  return new Promise((resolve) => {
    n.child.once("message", (msg) => resolve(msg as { limit: number; peak: number }));
    n.child.send("decodes");
  });
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function counts() {
  const [[v], [f]] = await Promise.all([
    t.db.db.select({ n: count() }).from(versions),
    t.db.db.select({ n: count() }).from(frames),
  ]);
  return { versions: v!.n, frames: f!.n, files: filesUnder(t.mediaDir).length };
}

describe(`${UPLOADS} large uploads at once`, () => {
  it(`stores every one, decoding at most 2 frames at a time; the node's peak RSS is reported`, async () => {
    const shots = ["SQ010_SH0010", "SQ010_SH0020", "SQ010_SH0030"];
    const uploads: { shot: string; body: FormData }[] = [];
    for (let u = 0; u < UPLOADS; u++) {
      const body = new FormData();
      body.append("shot", shots[u % shots.length]!);
      for (let i = 0; i < FRAMES; i++) {
        // A different colour per frame (pngFrame's colour is a bijection of n mod 256).
        const png = await pngFrame(u * FRAMES + i, SIDE, SIDE);
        body.append("files", new Blob([new Uint8Array(png)]), `sh.${1001 + i}.png`);
      }
      uploads.push({ shot: shots[u % shots.length]!, body });
    }
    const before = await counts();
    const idle = await node.memory();

    const answers = await Promise.all(
      uploads.map(async (u) => {
        const res = await fetch(`http://127.0.0.1:${node.port}/api/ingest`, {
          method: "POST",
          body: u.body,
          headers: { authorization: `Bearer ${token}` },
        });
        return { status: res.status, text: await res.text() };
      }),
    );

    const busy = await node.memory();
    const decodes = await nodeDecodes(node);
    const stored = answers.filter((a) => a.status === 201).length;
    recordResult({
      kind: "uploads",
      name: `${UPLOADS} uploads at once of ${FRAMES} ${SIDE}×${SIDE} frames: node peak RSS ${mib(busy.peakRss!)} MiB (${mib(idle.rss)} MiB idle), MEDIA_DECODE_CONCURRENCY=${decodes.limit}`,
      sent: UPLOADS,
      stored,
    });

    expect(answers.filter((a) => a.status !== 201).map((a) => `${a.status} ${a.text}`)).toEqual([]);
    expect(node.output(), "failures the node logged").not.toMatch(/\[ingest\]|\[http\]/);
    expect(decodes).toEqual({ limit: 2, peak: expect.any(Number) });
    expect(decodes.peak).toBeGreaterThan(0);
    expect(decodes.peak).toBeLessThanOrEqual(2);
    // Each frame is new: its original, thumbnail and proxy, and nothing else (no temp files).
    expect(await counts()).toEqual({
      versions: before.versions + UPLOADS,
      frames: before.frames + UPLOADS * FRAMES,
      files: before.files + UPLOADS * FRAMES * 3,
    });
    expect(node.child.exitCode).toBeNull();
  });
});
