#!/usr/bin/env node
// Verifies a Shotboard audit export (JSON Lines) offline: plain Node, no app code, no database.
//
//   node scripts/verify-audit-export.mjs moonfall-audit.jsonl [--expect-head <hash>]
//   cat moonfall-audit.jsonl | node scripts/verify-audit-export.mjs -
//
// Each line is one event: {id, showId, seq, actorUserId, action, subject, payload, prevHash,
// hash, createdAt}. hash = sha256 (hex) of the canonical JSON (object keys sorted at every
// depth, no whitespace) of {showId, seq, actorUserId, action, subject, payload, prevHash,
// createdAt}; prevHash is the previous event's hash, "0" x 64 for seq 1; seq counts 1, 2, 3…
// Exit 0: intact. Exit 1: broken (the first broken event is named). Exit 2: unusable input.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const GENESIS_HASH = "0".repeat(64);

function canonicalJson(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

function eventHash(e) {
  const fields = {
    showId: e.showId,
    seq: e.seq,
    actorUserId: e.actorUserId,
    action: e.action,
    subject: e.subject,
    payload: e.payload,
    prevHash: e.prevHash,
    createdAt: e.createdAt,
  };
  return createHash("sha256").update(canonicalJson(fields)).digest("hex");
}

function usage(message) {
  console.error(
    `${message}\nUsage: node scripts/verify-audit-export.mjs <export.jsonl | -> [--expect-head <hash>]`,
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const headAt = args.indexOf("--expect-head");
const expectedHead = headAt >= 0 ? args[headAt + 1] : undefined;
if (headAt >= 0 && !/^[0-9a-f]{64}$/.test(expectedHead ?? ""))
  usage("--expect-head needs a 64-character hex hash.");
const file = args.find((a, i) => a === "-" || (!a.startsWith("--") && !(headAt >= 0 && i === headAt + 1)));
if (!file) usage("Name the export file to verify (or - for standard input).");

let text;
try {
  text = readFileSync(file === "-" ? 0 : file, "utf8");
} catch (error) {
  usage(`Cannot read ${file}: ${error.message}`);
}

const lines = text.split("\n").filter((l) => l.trim() !== "");
const events = [];
for (const [i, line] of lines.entries()) {
  try {
    events.push({ line: i + 1, event: JSON.parse(line) });
  } catch {
    console.log(`BROKEN at line ${i + 1}: not valid JSON`);
    process.exit(1);
  }
}

function broken(line, e, reason) {
  console.log(
    `BROKEN at event seq ${e?.seq ?? "?"}${e?.id !== undefined ? ` (id ${e.id})` : ""}, line ${line}: ${reason}`,
  );
  process.exit(1);
}

let prev = GENESIS_HASH;
const showId = events[0]?.event.showId;
for (const [index, { line, event: e }] of events.entries()) {
  const expectedSeq = index + 1;
  if (e.showId !== showId) broken(line, e, `belongs to another show (${e.showId})`);
  if (e.seq !== expectedSeq)
    broken(line, e, `event #${expectedSeq} is missing or out of order (found #${e.seq})`);
  if (e.prevHash !== prev) broken(line, e, `event #${e.seq} does not link to the event before it`);
  if (eventHash(e) !== e.hash)
    broken(line, e, `event #${e.seq} was altered: its content no longer matches its hash`);
  prev = e.hash;
}
if (expectedHead && expectedHead !== prev) {
  console.log(
    `BROKEN: the chain is internally intact (${events.length} events) but its head hash ${prev} is not the expected ${expectedHead}: events were removed from the end, or added`,
  );
  process.exit(1);
}
console.log(`intact, ${events.length} events, head hash ${prev}`);
