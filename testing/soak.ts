import { monitorEventLoopDelay } from "node:perf_hooks";
import { testStroke } from "~/testing/annotation";
import type { NodeMemory } from "~/testing/spawn-node";
import { connectYClient, type YClient } from "~/testing/yclient";

/**
 * Many light Yjs editors against one live node: each draws a small stroke every few seconds
 * (and erases its older ones, as people do), some leave and others join all the time. Every
 * client measures how long other clients' strokes took to reach it (same process, same clock:
 * a stroke's `createdAt` is when it was sent).
 * Used by `npm run bench:soak` and, shorter, by the reliability suite.
 */
/** `name`: as the server records it (an annotation must carry its author's own). */
export type SoakUser = { id: string; name: string; cookie: string };

export type SoakOptions = {
  /** ws://host:port/yjs/ */
  baseUrl: string;
  origin: string;
  docs: string[];
  users: SoakUser[];
  clients: number;
  durationMs: number;
  /** Mean time between two strokes of one client. */
  editEveryMs?: number;
  /** Share of the clients replaced (leave + a new one joins) every second. */
  churnPerSecond?: number;
  intervalMs?: number;
  memory: (opts: { gc: boolean }) => Promise<NodeMemory>;
  onInterval?: (row: SoakInterval) => void;
};

export type SoakInterval = {
  t: number;
  clients: number;
  rssMb: number;
  heapMb: number;
  edits: number;
  received: number;
  p50: number | null;
  p99: number | null;
  joins: number;
  leaves: number;
  errors: number;
  /** Event-loop delay p99 of the load generator itself: when high, latency is partly its own. */
  generatorLagMs: number;
  /** …and its longest event-loop delay in the interval (a pause of the generator, e.g. a GC). */
  generatorLagMaxMs: number;
  /** The node's longest event-loop delay in the interval (a stall of the server), when it says. */
  nodeLagMaxMs: number | null;
};

export type SoakResult = {
  intervals: SoakInterval[];
  edits: number;
  errors: string[];
  p50: number | null;
  p99: number | null;
  /** Heap after GC: after warm-up vs at the end. */
  heapStartMb: number;
  heapEndMb: number;
};

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

type Editor = { client: YClient; user: SoakUser; timer: NodeJS.Timeout; mine: string[]; leaving: boolean };

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const editEvery = opts.editEveryMs ?? 4000;
  const churn = opts.churnPerSecond ?? 0.02;
  const intervalMs = opts.intervalMs ?? 10_000;
  const editors = new Set<Editor>();
  const errors: string[] = [];
  let latencies: number[] = [];
  const all: number[] = [];
  let edits = 0;
  let totalEdits = 0;
  let received = 0;
  let joins = 0;
  let leaves = 0;
  let intervalErrors = 0;
  let seq = 0;
  let stopping = false;
  const error = (what: string) => {
    intervalErrors++;
    if (errors.length < 50) errors.push(what);
  };

  async function join(index: number): Promise<void> {
    const user = opts.users[index % opts.users.length]!;
    const doc = opts.docs[index % opts.docs.length]!;
    let client: YClient;
    try {
      client = await connectYClient(`${opts.baseUrl}${doc}`, { origin: opts.origin, cookie: user.cookie });
      await client.synced;
    } catch (e) {
      if (!stopping) error(`join ${doc}: ${(e as Error).message}`);
      return;
    }
    if (stopping) {
      client.close();
      return;
    }
    const strokes = client.doc.getMap("annotations");
    const editor: Editor = { client, user, mine: [], leaving: false, timer: undefined as never };
    strokes.observe((event) => {
      if (event.transaction.local) return;
      const now = Date.now();
      for (const key of event.keysChanged) {
        const value = strokes.get(key) as { createdAt?: number } | undefined;
        if (typeof value?.createdAt !== "number") continue;
        received++;
        latencies.push(now - value.createdAt);
      }
    });
    void client.closed.then(({ code, reason }) => {
      clearInterval(editor.timer);
      editors.delete(editor);
      if (!editor.leaving) error(`closed by the server: ${code} ${reason}`);
    });
    client.ws.on("error", (e) => error(`socket error: ${e.message}`));
    editor.timer = setInterval(
      () => {
        const key = `${client.doc.clientID}-${seq++}`;
        client.doc.transact(() => {
          strokes.set(
            key,
            testStroke(key, user, {
              color: "#ff0",
              points: [0.1, 0.1, 0.2, 0.25, 0.3, 0.2],
              createdAt: Date.now(),
            }),
          );
          editor.mine.push(key);
          if (editor.mine.length > 10) strokes.delete(editor.mine.shift()!);
        });
        edits++;
        totalEdits++;
      },
      editEvery * (0.75 + Math.random() / 2),
    );
    editors.add(editor);
    joins++;
  }

  function leave(editor: Editor): void {
    editor.leaving = true;
    clearInterval(editor.timer);
    editors.delete(editor);
    editor.client.close();
    leaves++;
  }

  // Join in waves, so the start is not one thundering herd.
  for (let i = 0; i < opts.clients; i += 20)
    await Promise.all(Array.from({ length: Math.min(20, opts.clients - i) }, (_, k) => join(i + k)));

  joins = 0;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const started = Date.now();
  const intervals: SoakInterval[] = [];
  const heapStart = (await opts.memory({ gc: true })).heap;
  let nextIndex = opts.clients;
  const churnTimer = setInterval(() => {
    const n = Math.max(1, Math.round(editors.size * churn));
    for (const editor of [...editors].slice(0, n)) leave(editor);
    for (let i = 0; i < n; i++) void join(nextIndex++);
  }, 1000);

  try {
    while (Date.now() - started < opts.durationMs) {
      await new Promise((r) => setTimeout(r, Math.min(intervalMs, opts.durationMs - (Date.now() - started))));
      const mem = await opts.memory({ gc: false });
      const sorted = latencies.sort((a, b) => a - b);
      all.push(...sorted);
      const row: SoakInterval = {
        t: Math.round((Date.now() - started) / 1000),
        clients: editors.size,
        rssMb: mb(mem.rss),
        heapMb: mb(mem.heap),
        edits,
        received,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        joins,
        leaves,
        errors: intervalErrors,
        generatorLagMs: Math.round(lag.percentile(99) / 1e6),
        generatorLagMaxMs: Math.round(lag.max / 1e6),
        nodeLagMaxMs: mem.lagMaxMs ?? null,
      };
      lag.reset();
      intervals.push(row);
      opts.onInterval?.(row);
      latencies = [];
      edits = received = joins = leaves = intervalErrors = 0;
    }
  } finally {
    stopping = true;
    lag.disable();
    clearInterval(churnTimer);
    for (const editor of [...editors]) leave(editor);
  }
  const heapEnd = (await opts.memory({ gc: true })).heap;
  all.sort((a, b) => a - b);
  return {
    intervals,
    edits: totalEdits,
    errors,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    heapStartMb: mb(heapStart),
    heapEndMb: mb(heapEnd),
  };
}
