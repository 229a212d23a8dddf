#!/usr/bin/env node
/**
 * postgres.js 3.4.9 crashes the whole process when a connection closes while a small write
 * is queued (setImmediate → nextWrite → `socket.write` on null; porsager/postgres#1154,
 * #1208, fixes proposed in #1168 / #1209, not released). Its teardown also leaves the write
 * timer set, so the reconnected connection never flushes again. Shotboard must survive a
 * database outage, so `npm install` / `npm ci` apply the guard (idempotent; the reliability
 * suite's outage test fails without it). Remove once a fixed postgres.js is released.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "node_modules", "postgres");
const MARK = "/* shotboard: nextWrite guard */";
const edits = [
  [
    "  function nextWrite(fn) {\n",
    `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n`,
  ],
  [
    "    clearImmediate(nextWriteTimer)\n    if (socket) {\n",
    "    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {\n",
  ],
  [
    "    remaining = 0\n    incomings = null\n    clearImmediate(nextWriteTimer)\n",
    "    remaining = 0\n    incomings = null\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n",
  ],
];

let patched = 0;
for (const file of ["src/connection.js", "cjs/src/connection.js"]) {
  const full = path.join(root, file);
  if (!existsSync(full)) continue;
  let text = readFileSync(full, "utf8");
  if (text.includes(MARK)) continue;
  for (const [from, to] of edits) {
    if (!text.includes(from)) {
      console.error(`patch-postgres: ${file} changed upstream; check whether the guard is still needed`);
      process.exit(0);
    }
    text = text.replace(from, to);
  }
  writeFileSync(full, text);
  patched++;
}
if (patched) console.log(`patch-postgres: guarded nextWrite in ${patched} file(s)`);
