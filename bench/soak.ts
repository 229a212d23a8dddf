/**
 * Soak: 200 light Yjs editors (default) on one live node for N minutes, with editors leaving
 * and joining all the time. Prints, every 10 s, the node's memory (RSS, heap) and the stroke
 * latency (p50 / p99, sender to other editors) next to the first interval as the baseline,
 * then the heap after GC at the start and the end and the error count. "gen lag" is the load
 * generator's own event-loop delay (p99), "gen max" its longest: when high, the latency includes
 * the generator's own queueing. "node max" is the node's longest event-loop delay in the
 * interval: a stall of the server.
 *
 *   npm run bench:soak                               # 200 editors, 3 minutes
 *   npm run bench:soak -- --clients 100 --minutes 1  # or SOAK_CLIENTS / SOAK_MINUTES
 *
 * Needs PostgreSQL (SOAK_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres):
 * a database is created for the run and dropped after it.
 */
import { parseArgs } from "node:util";
import { seededDatabase } from "~/testing/db";
import { runSoak, type SoakInterval } from "~/testing/soak";
import { soakTargets } from "~/testing/soak-setup";
import { startLiveNode } from "~/testing/spawn-node";

const { values } = parseArgs({
  options: { clients: { type: "string" }, minutes: { type: "string" } },
  allowPositionals: true,
});
const clients = Number(values.clients ?? process.env.SOAK_CLIENTS ?? 200);
const minutes = Number(values.minutes ?? process.env.SOAK_MINUTES ?? 3);
const SECRET = "soak-secret-soak-secret-soak-secret-0123456";
const ORIGIN = "http://localhost:3000";

process.env.TEST_DATABASE_URL ??=
  process.env.SOAK_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const t = await seededDatabase({ frames: 1 });
const node = await startLiveNode({
  databaseUrl: t.db.url!,
  secret: SECRET,
  origin: ORIGIN,
  // The editors share five members: past 250 editors, one member holds more connections than a
  // deployment allows (50), and many more send more than a member's 400 messages a second.
  env: {
    WS_MAX_MESSAGES_PER_SECOND: "200",
    WS_MAX_CONNECTIONS_PER_USER: String(Math.max(50, clients)),
    WS_MAX_MESSAGES_PER_SECOND_PER_USER: String(Math.max(400, clients)),
  },
});
try {
  const { users, docs } = await soakTargets(t, SECRET);
  console.log(
    `soak: ${clients} editors on ${docs.length} documents for ${minutes} min (stroke every ~4 s each, 2 %/s churn)\n`,
  );
  const pad = (v: unknown, n: number) => String(v ?? "–").padStart(n);
  console.log(
    `${pad("t (s)", 6)} ${pad("editors", 8)} ${pad("RSS MB", 8)} ${pad("heap MB", 8)} ${pad("strokes", 8)} ${pad("recv", 8)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("joins", 6)} ${pad("leaves", 6)} ${pad("errors", 6)} ${pad("gen lag", 8)} ${pad("gen max", 8)} ${pad("node max", 9)}`,
  );
  let baseline: SoakInterval | undefined;
  const result = await runSoak({
    baseUrl: `ws://127.0.0.1:${node.port}/yjs/`,
    origin: ORIGIN,
    docs,
    users,
    clients,
    durationMs: minutes * 60_000,
    memory: node.memory,
    onInterval: (r) => {
      baseline ??= r;
      console.log(
        `${pad(r.t, 6)} ${pad(r.clients, 8)} ${pad(r.rssMb, 8)} ${pad(r.heapMb, 8)} ${pad(r.edits, 8)} ${pad(r.received, 8)} ${pad(r.p50, 7)} ${pad(r.p99, 7)} ${pad(r.joins, 6)} ${pad(r.leaves, 6)} ${pad(r.errors, 6)} ${pad(r.generatorLagMs, 8)} ${pad(r.generatorLagMaxMs, 8)} ${pad(r.nodeLagMaxMs, 9)}`,
      );
    },
  });
  const last = result.intervals.at(-1);
  console.log(`
baseline (first interval): RSS ${baseline?.rssMb} MB, heap ${baseline?.heapMb} MB, p50 ${baseline?.p50} ms, p99 ${baseline?.p99} ms
last interval:             RSS ${last?.rssMb} MB, heap ${last?.heapMb} MB, p50 ${last?.p50} ms, p99 ${last?.p99} ms
heap after GC:             ${result.heapStartMb} MB after warm-up -> ${result.heapEndMb} MB at the end
whole run:                 ${result.edits} strokes, p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.errors.length} errors`);
  for (const e of result.errors.slice(0, 10)) console.log(`  error: ${e}`);
  if (/\[realtime\]/.test(node.output())) console.log(`node logged:\n${node.output()}`);
  process.exitCode = result.errors.length > 0 ? 1 : 0;
} finally {
  await node.kill("SIGTERM");
  await t.dispose();
}
