import { appendFileSync } from "node:fs";

/**
 * One line of the `npm run test:reliability` summary. Tests call recordResult; with
 * RELIABILITY_RESULTS set (by scripts/reliability.sh) each result is appended to that file as
 * JSON Lines, and scripts/reliability-report.mjs prints the table. Otherwise it does nothing.
 */
export type ReliabilityResult =
  | { kind: "fault"; name: string; injected: number; recovered: number }
  | { kind: "edits"; name: string; sent: number; persisted: number }
  | { kind: "uploads"; name: string; sent: number; stored: number }
  | { kind: "leak"; name: string; tried: number; blocked: number }
  | { kind: "abuse"; name: string; tried: number; refused: number }
  /** A live-layer or upload attack: how often tried, refused, and how many of its writes were stored. */
  | { kind: "attack"; name: string; tried: number; refused: number; stored: number }
  | { kind: "input"; name: string; tried: number; refused: number }
  | {
      kind: "soak";
      name: string;
      clients: number;
      edits: number;
      errors: number;
      heapGrowthMb: number;
      p99Ms: number;
    };

export function recordResult(result: ReliabilityResult): void {
  const file = process.env.RELIABILITY_RESULTS;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ ...result, at: new Date().toISOString() })}\n`);
}

/** One attack tried once and refused; `stored`: how many of its writes were kept anyway (must be 0). */
export function recordAttack(name: string, stored = 0): void {
  recordResult({ kind: "attack", name, tried: 1, refused: 1, stored });
}
