import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildServer } from "~/scripts/build-server.mjs";
import { SERVER_NODE_FLAGS } from "~/scripts/node-flags.mjs";

/**
 * A live node (testing/realtime-node.ts, or another `script` that prints "ready <port>",
 * such as testing/ingest-node.ts) in its own process, as a deployment runs it.
 */
export type NodeMemory = {
  rss: number;
  heap: number;
  lagMaxMs?: number;
  /** The most RSS the process has had since it started (testing/ingest-node.ts answers it). */
  peakRss?: number;
};

export type LiveNode = {
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
  /** Everything it printed (stdout and stderr). */
  output: () => string;
  /**
   * RSS and heap; after a full GC with `gc: true`. Without it, also the node's longest
   * event-loop delay since the last such question.
   */
  memory: (opts?: { gc?: boolean }) => Promise<NodeMemory>;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
};

export async function startLiveNode(opts: {
  databaseUrl: string;
  secret: string;
  /** The Origin a realtime node accepts (REALTIME_ORIGIN). */
  origin?: string;
  port?: number;
  env?: Record<string, string>;
  script?: string;
  /**
   * The node's live journal folder; give the same one to a restarted node so it recovers what
   * the killed one left. Default: a new temporary folder, removed when the node is killed.
   */
  journalDir?: string;
}): Promise<LiveNode> {
  // Compiled, as `npm start` runs the server (scripts/build-server.mjs); before the temporary
  // journal folder exists, so a failed build leaves nothing behind.
  const script = await buildServer(opts.script ?? "testing/realtime-node.ts");
  const journalDir = opts.journalDir ?? mkdtempSync(path.join(tmpdir(), "shotboard-journal-"));
  const child = spawn(process.execPath, ["--expose-gc", ...SERVER_NODE_FLAGS, script], {
    env: {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      AUTH_SECRET: opts.secret,
      PORT: String(opts.port ?? 0),
      ...(opts.origin ? { REALTIME_ORIGIN: opts.origin } : {}),
      REDIS_URL: "",
      LIVE_JOURNAL_DIR: journalDir,
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  child.stderr!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`live node did not start:\n${output}`)), 60_000);
    const onExit = (code: number | null) => reject(new Error(`live node exited with ${code}:\n${output}`));
    child.once("exit", onExit);
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      const m = /ready (\d+)/.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve({
        port: Number(m[1]),
        child,
        exited,
        output: () => output,
        memory: ({ gc = false } = {}) =>
          new Promise((res) => {
            child.once("message", (msg) => res(msg as NodeMemory));
            child.send(gc ? "rss-gc" : "rss");
          }),
        kill: async (signal = "SIGKILL") => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
          if (!opts.journalDir) rmSync(journalDir, { recursive: true, force: true });
        },
      });
    });
  });
}
