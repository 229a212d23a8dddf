import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type Seeded, seededDatabase } from "~/testing/db";
import { type LiveNode, startLiveNode } from "~/testing/spawn-node";

export type SeededLiveNode = {
  t: Seeded;
  node: LiveNode;
  /** Starts the node again (e.g. after a test killed it), on `port` if given. */
  restart: (port?: number) => Promise<LiveNode>;
  /** The node's live journal folder, kept across restarts. */
  journalDir: string;
};

/**
 * For a test file: a seeded PostgreSQL test database and a live node on it in its own process,
 * started before the file's tests (before hooks the file registers later) and stopped, then
 * dropped, after them.
 */
export function seededLiveNode(opts: {
  secret: string;
  /** The Origin a realtime node accepts. */
  origin?: string;
  script?: string;
  env?: (t: Seeded) => Record<string, string>;
}): SeededLiveNode {
  const live = {} as SeededLiveNode;
  live.restart = async (port) => {
    live.node = await startLiveNode({
      databaseUrl: live.t.db.url!,
      secret: opts.secret,
      origin: opts.origin,
      script: opts.script,
      env: opts.env?.(live.t),
      port,
      journalDir: live.journalDir,
    });
    return live.node;
  };
  beforeAll(async () => {
    // One journal folder for the file: a restarted node recovers what the killed one left there.
    live.journalDir = mkdtempSync(path.join(tmpdir(), "shotboard-journal-"));
    live.t = await seededDatabase({ frames: 1 });
    await live.restart();
  });
  afterAll(async () => {
    await live.node?.kill("SIGTERM");
    await live.t?.dispose();
    if (live.journalDir) rmSync(live.journalDir, { recursive: true, force: true });
  });
  return live;
}
