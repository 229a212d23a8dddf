/**
 * Sign-off latency: a director's approval through tRPC (createCaller on real PostgreSQL: show
 * access check, row lock, gates, snapshot hashes, decision, credits proposal and lock, shot
 * status, audit hash chain), with N directors approving at once on different shots of one
 * show — next to the same decision row inserted as plain SQL, same concurrency, same run.
 *
 *   npm run bench:signoff
 *   BENCH_DIRECTORS=20 BENCH_ROUNDS=20 BENCH_FRAMES=24 npm run bench:signoff
 *   BENCH_DATABASE_URL=postgres://user@host:5432/postgres npm run bench:signoff
 *
 * A fresh database is created on the server and dropped at the end.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { openPostgres } from "~/db/client";
import { frames, memberships, shots, shows, users, versions } from "~/db/schema";
import { createContextInner } from "~/server/context";
import { createCaller } from "~/server/root";
import { addConsent, addLikenessUse, addTalent, setProvenance } from "~/testing/governance";

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DIRECTORS = Number(process.env.BENCH_DIRECTORS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const FRAMES = Number(process.env.BENCH_FRAMES ?? 24);
const WARMUP = 2;

type Stats = { n: number; p50: number; p99: number; mean: number; max: number; opsPerSec: number };

function stats(samples: number[], wallMs: number): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return {
    n: s.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    max: s.at(-1)!,
    opsPerSec: (s.length / wallMs) * 1000,
  };
}

/** Runs `rounds` operations per worker, all workers at once; returns per-operation latencies. */
async function concurrently(
  workers: number,
  rounds: number,
  op: (worker: number, round: number) => Promise<unknown>,
): Promise<Stats> {
  const samples: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        await op(w, r);
        samples.push(performance.now() - t0);
      }
    }),
  );
  return stats(samples, performance.now() - started);
}

async function main() {
  const dbName = `shotboard_bench_signoff_${randomBytes(4).toString("hex")}`;
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${dbName}"`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${dbName}`;
  const handle = await openPostgres(url.toString(), DIRECTORS + 5);
  const plain = postgres(url.toString(), { max: DIRECTORS, onnotice: () => {} });
  try {
    const db = handle.db;
    const totalRounds = WARMUP + 2 * ROUNDS;
    console.log(
      `Setting up: ${DIRECTORS} directors × ${totalRounds} versions × ${FRAMES} frames, AI provenance and a consented likeness on each…`,
    );
    const [show] = await db
      .insert(shows)
      .values({ slug: `bench-${randomUUID().slice(0, 8)}`, title: "Bench" })
      .returning();
    const showId = show!.id;
    const talentId = await addTalent(db, { showId, name: "Bench Talent" });
    await addConsent(db, { showId, talentId });
    const directors: { userId: string; versionIds: string[] }[] = [];
    for (let d = 0; d < DIRECTORS; d++) {
      const [user] = await db
        .insert(users)
        .values({ email: `director${d}@bench.test`, name: `Director ${d}` })
        .returning();
      await db.insert(memberships).values({ showId, userId: user!.id, role: "director" });
      const [shot] = await db
        .insert(shots)
        .values({ showId, code: `SQ900_SH${String(d).padStart(4, "0")}`, frameEnd: 1000 + FRAMES })
        .returning();
      const vs = await db
        .insert(versions)
        .values(
          Array.from({ length: totalRounds }, (_, r) => ({
            showId,
            shotId: shot!.id,
            number: r + 1,
            submittedBy: user!.id,
          })),
        )
        .returning({ id: versions.id });
      await db.insert(frames).values(
        vs.flatMap((v) =>
          Array.from({ length: FRAMES }, (_, f) => ({
            showId,
            versionId: v.id,
            frameNumber: 1001 + f,
            sha256: randomBytes(32).toString("hex"),
            width: 1920,
            height: 1080,
          })),
        ),
      );
      for (const v of vs) {
        await setProvenance(db, {
          showId,
          versionId: v.id,
          sourceType: "trainedAlgorithmicMedia",
          model: "flux",
          modelVersion: "1.1-pro",
          provider: "BFL",
        });
        await addLikenessUse(db, { showId, versionId: v.id, talentId });
      }
      directors.push({ userId: user!.id, versionIds: vs.map((v) => v.id) });
    }
    const callers = directors.map((d, i) =>
      createCaller(
        createContextInner({
          db,
          session: {
            user: {
              id: d.userId,
              email: `director${i}@bench.test`,
              name: `Director ${i}`,
              isStudioAdmin: false,
            },
          },
        }),
      ),
    );

    const approve = (w: number, r: number) =>
      callers[w]!.version.decide({
        showId,
        versionId: directors[w]!.versionIds[r]!,
        kind: "approved",
        reason: "bench",
        expectedStatus: "pending_review",
      });
    const insert = (w: number, r: number) => {
      const d = directors[w]!;
      return plain`insert into decisions (show_id, version_id, kind, user_id, role, reason, frame_hashes)
        values (${showId}, ${d.versionIds[r]!}, 'approved', ${d.userId}, 'director', 'bench',
        ${plain.json(Array.from({ length: FRAMES }, () => "0".repeat(64)))})`;
    };

    // Warm-up (JIT, connection pools, plans) on the first versions; not measured.
    await concurrently(DIRECTORS, WARMUP, approve);
    await concurrently(DIRECTORS, WARMUP, insert);
    const viaTrpc = await concurrently(DIRECTORS, ROUNDS, (w, r) => approve(w, r + WARMUP));
    const viaSql = await concurrently(DIRECTORS, ROUNDS, (w, r) => insert(w, r + WARMUP));
    // The same operations one at a time (one director), for the unloaded cost of each.
    const soloTrpc = await concurrently(1, ROUNDS, (w, r) => approve(w, r + WARMUP + ROUNDS));
    const soloSql = await concurrently(1, ROUNDS, (w, r) => insert(w, r + WARMUP + ROUNDS));

    const [audit] = await plain<
      { count: string }[]
    >`select count(*) from audit_events where show_id = ${showId}`;
    const [pg] = await plain<{ server_version: string }[]>`show server_version`;
    const fmt = (n: number) => n.toFixed(2).padStart(9);
    console.log(
      `\nSign-off latency — ${DIRECTORS} concurrent directors on different shots of one show, ${ROUNDS} approvals each, ${FRAMES} frames per version (PostgreSQL ${pg!.server_version})\n`,
    );
    console.log(`${"variant".padEnd(56)}${"n".padStart(6)}   p50 ms   p99 ms  mean ms   max ms    ops/s`);
    for (const [name, s] of [
      [`tRPC version.decide, ${DIRECTORS} directors at once`, viaTrpc],
      [`baseline: plain SQL INSERT decision, ${DIRECTORS} at once`, viaSql],
      ["tRPC version.decide, one director", soloTrpc],
      ["baseline: plain SQL INSERT decision, one at a time", soloSql],
    ] as const) {
      console.log(
        `${name.padEnd(56)}${String(s.n).padStart(6)}${fmt(s.p50)}${fmt(s.p99)}${fmt(s.mean)}${fmt(s.max)}${fmt(s.opsPerSec)}`,
      );
    }
    console.log(
      `\nratio tRPC / plain SQL at ${DIRECTORS} concurrent: p50 ×${(viaTrpc.p50 / viaSql.p50).toFixed(1)}, p99 ×${(viaTrpc.p99 / viaSql.p99).toFixed(1)}; one at a time: p50 ×${(soloTrpc.p50 / soloSql.p50).toFixed(1)}. Audit events in the show's chain: ${audit!.count}`,
    );
    console.log(
      "tRPC version.decide = access check + row lock + gates + frame/provenance/notes hashes + decision + credits proposal and lock + shot status + audit append (per-show lock), in one transaction.",
    );
  } finally {
    await plain.end();
    await handle.close();
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
