/**
 * The short soak (the long one is `npm run bench:soak`): 100 light editors for 30 s on one
 * live node, with editors leaving and joining every second. No error anywhere, the node's
 * heap after GC does not grow beyond a bound, and stroke latency stays within bounds.
 */
import { describe, expect, it } from "vitest";
import { seededLiveNode } from "~/testing/live-node-fixture";
import { recordResult } from "~/testing/reliability-results";
import { runSoak } from "~/testing/soak";
import { soakTargets } from "~/testing/soak-setup";

const SECRET = "soak-test-secret-soak-test-secret-012345678";
const ORIGIN = "http://localhost:3000";
const CLIENTS = Number(process.env.RELIABILITY_SOAK_CLIENTS ?? 100);
const SECONDS = Number(process.env.RELIABILITY_SOAK_SECONDS ?? 30);
/** Generous for a shared 2-core CI machine; a per-connection leak over ~60 churned editors exceeds it. */
const MAX_HEAP_GROWTH_MB = 24;
const MAX_P99_MS = 1500;

// Every editor is one of five members: with RELIABILITY_SOAK_CLIENTS past 250, one member would
// hold more connections (and send more messages) than the node's per-member caps allow.
const live = seededLiveNode({
  secret: SECRET,
  origin: ORIGIN,
  env: () => ({
    WS_MAX_CONNECTIONS_PER_USER: String(Math.max(50, CLIENTS)),
    WS_MAX_MESSAGES_PER_SECOND_PER_USER: String(Math.max(400, CLIENTS)),
  }),
});

describe(`soak: ${CLIENTS} editors for ${SECONDS} s with churn`, () => {
  it("no errors, bounded heap, latency within bounds", async () => {
    const { users, docs } = await soakTargets(live.t, SECRET);
    const result = await runSoak({
      baseUrl: `ws://127.0.0.1:${live.node.port}/yjs/`,
      origin: ORIGIN,
      docs,
      users,
      clients: CLIENTS,
      durationMs: SECONDS * 1000,
      memory: live.node.memory,
      onInterval: (r) =>
        console.log(
          `soak t=${r.t}s editors=${r.clients} rss=${r.rssMb}MB heap=${r.heapMb}MB strokes=${r.edits} p50=${r.p50}ms p99=${r.p99}ms joins=${r.joins} leaves=${r.leaves} errors=${r.errors}`,
        ),
    });
    const growth = Math.round((result.heapEndMb - result.heapStartMb) * 10) / 10;
    console.log(
      `soak: ${result.edits} strokes, p50 ${result.p50} ms, p99 ${result.p99} ms, heap after GC ${result.heapStartMb} -> ${result.heapEndMb} MB, ${result.errors.length} errors`,
    );
    recordResult({
      kind: "soak",
      name: `${CLIENTS} editors, ${SECONDS} s, churn`,
      clients: CLIENTS,
      edits: result.edits,
      errors: result.errors.length,
      heapGrowthMb: growth,
      p99Ms: result.p99 ?? -1,
    });
    expect(result.errors).toEqual([]);
    expect(live.node.output()).not.toMatch(/\[realtime\]|Error/);
    expect(result.edits).toBeGreaterThan(CLIENTS);
    expect(growth).toBeLessThan(MAX_HEAP_GROWTH_MB);
    expect(result.p99!).toBeLessThan(MAX_P99_MS);
  });
});
