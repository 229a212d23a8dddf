/**
 * A Shotboard live node without the web app: the same websocket endpoint (auth, roles,
 * persistence, Redis fan-out) as server.ts. Used by the scale-out tests and the benchmarks,
 * which spawn several of these as separate processes. Prints "ready <port>" when listening.
 */
import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { openPostgres } from "~/db/client";
import { env } from "~/server/env";
import { redisBus } from "~/server/realtime/bus";
import { liveLimitsFrom } from "~/server/realtime/guard/budget";
import { liveJournalFor } from "~/server/realtime/journal";
import { createRealtime } from "~/server/realtime/server";

const config = env();
if (!config.DATABASE_URL) throw new Error("realtime-node needs DATABASE_URL");
const database = await openPostgres(config.DATABASE_URL, 10);
const bus = config.REDIS_URL
  ? await redisBus(config.REDIS_URL, (m, e) => console.error(`[bus] ${m}`, e ?? ""))
  : null;
const server = http.createServer((_req, res) => {
  res.writeHead(404).end();
});
const origin = process.env.REALTIME_ORIGIN ?? config.appOrigin;
const journal = await liveJournalFor(config.liveJournalDir, database, bus);
const realtime = createRealtime({
  journal,
  db: database.db,
  exec: database.exec,
  bus,
  appOrigin: () => origin,
  ...liveLimitsFrom(config),
});
server.on("upgrade", (req, socket, head) => {
  if (req.url?.startsWith("/yjs/")) void realtime.handleUpgrade(req, socket, head);
  else socket.destroy();
});
server.listen(config.PORT, "127.0.0.1", () => {
  const address = server.address();
  console.log(`ready ${typeof address === "object" && address ? address.port : config.PORT}`);
});
// The node's own event-loop delay since the last "rss" question: tells a stall of the node from
// the load generator's own queueing when a latency spike shows.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
process.on("message", (msg) => {
  if (msg === "rss") {
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ rss, heap: heapUsed, lagMaxMs: Math.round(loopDelay.max / 1e6) });
    loopDelay.reset();
  }
  // After a full GC (with --expose-gc), so heap growth means retained memory, not garbage.
  if (msg === "rss-gc") {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed });
  }
});
const stop = async () => {
  server.close();
  await realtime.close();
  await database.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
