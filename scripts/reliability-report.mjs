#!/usr/bin/env node
/**
 * The summary table of `npm run test:reliability`: reads the JSON Lines the tests wrote
 * (testing/reliability-results.ts) and vitest's JSON report, prints totals per
 * category and every line behind them. Exit 1 when something was not blocked or not kept.
 */
import { existsSync, readFileSync } from "node:fs";

const [resultsFile, vitestFile] = process.argv.slice(2);
const results = existsSync(resultsFile ?? "")
  ? readFileSync(resultsFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
const suites = vitestFile && existsSync(vitestFile) ? JSON.parse(readFileSync(vitestFile, "utf8")) : null;

const sum = (kind, a, b) =>
  results.filter((r) => r.kind === kind).reduce((acc, r) => [acc[0] + r[a], acc[1] + r[b]], [0, 0]);

// Isolation and websocket abuse count their probes as tests: one test = one procedure or attack, all of whose variants must be blocked.
const tally = (pattern) => {
  let passed = 0;
  let failed = 0;
  for (const file of suites?.testResults ?? []) {
    if (!pattern.test(file.name)) continue;
    for (const test of file.assertionResults ?? []) {
      if (test.status === "passed") passed++;
      else if (test.status === "failed") failed++;
    }
  }
  return [passed + failed, passed];
};
const [leakTried, leakBlocked] = tally(/isolation\.test\.ts$/);
const [wsTried, wsRefused] = tally(/realtime\/abuse\.test\.ts$/);
const [faults, recovered] = sum("fault", "injected", "recovered");
const [sent, persisted] = sum("edits", "sent", "persisted");
const [uploadsSent, uploadsStored] = sum("uploads", "sent", "stored");
const [abuseTried, abuseRefused] = sum("abuse", "tried", "refused");
const [inputsTried, inputsRefused] = sum("input", "tried", "refused");
const soak = results.filter((r) => r.kind === "soak");
const attacks = results.filter((r) => r.kind === "attack");
const [attacksTried, attacksRefused] = sum("attack", "tried", "refused");

const rows = [
  ["faults injected / recovered", faults, recovered],
  ["edits sent / persisted", sent, persisted],
  ["uploads sent at once / stored (one complete version each)", uploadsSent, uploadsStored],
  ["leaks attempted / blocked (procedures probed with another show's ids)", leakTried, leakBlocked],
  ["abuse attempts / refused (sign-in, sessions)", abuseTried, abuseRefused],
  ["websocket attacks / refused (abuse.test.ts cases)", wsTried, wsRefused],
  ["bad inputs tried / refused cleanly (4xx, or valid and accepted)", inputsTried, inputsRefused],
  ["attacks tried / refused (live layer and uploads)", attacksTried, attacksRefused],
  [
    "attacks / nothing stored (no row, no file)",
    attacks.length,
    attacks.filter((r) => r.stored === 0).length,
  ],
];
const width = Math.max(...rows.map((r) => r[0].length));
const line = "-".repeat(width + 26);
console.log(`\nShotboard reliability summary\n${line}`);
console.log(`${"".padEnd(width)}  ${"tried".padStart(8)}  ${"held".padStart(8)}  ok`);
let bad = false;
for (const [label, a, b] of rows) {
  const ok = a === b;
  bad ||= !ok;
  console.log(
    `${label.padEnd(width)}  ${String(a).padStart(8)}  ${String(b).padStart(8)}  ${ok ? "yes" : "NO"}`,
  );
}
for (const s of soak) {
  const ok = s.errors === 0;
  bad ||= !ok;
  console.log(
    `soak ${s.name}: ${s.edits} strokes, ${s.errors} errors, heap growth ${s.heapGrowthMb} MB after GC, p99 ${s.p99Ms} ms  ${ok ? "yes" : "NO"}`,
  );
}
console.log(line);
for (const r of results.filter((r) => r.kind !== "soak")) {
  const [a, b] =
    r.kind === "fault"
      ? [r.injected, r.recovered]
      : r.kind === "edits"
        ? [r.sent, r.persisted]
        : r.kind === "uploads"
          ? [r.sent, r.stored]
          : [r.tried, r.refused];
  const extra = r.kind === "attack" ? `, stored ${r.stored}` : "";
  console.log(`  ${r.kind.padEnd(7)} ${r.name}: ${a} / ${b}${extra}`);
}
if (!results.length) console.log("  (no results recorded: did the suites run?)");
process.exit(bad || !results.length ? 1 : 0);
