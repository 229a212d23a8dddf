import http from "node:http";
import next from "next";
import { openDatabase } from "~/db/client";
import { EnvError, env } from "~/server/env";
import {
  CLIENT_ADDRESS_HEADER,
  clientAddress,
  contentSecurityPolicy,
  isCrossSiteWrite,
  newNonce,
  securityHeaders,
} from "~/server/http/security";
import { setProcessDatabase } from "~/server/process-db";
import { redisBus } from "~/server/realtime/bus";
import { liveLimitsFrom } from "~/server/realtime/guard/budget";
import { liveJournalFor } from "~/server/realtime/journal";
import { createRealtime } from "~/server/realtime/server";
import { hasAnyUser, seedDemo } from "~/server/seed/demo";
import { mediaStoreFromEnv } from "~/server/storage/from-env";

/** The one process: Next pages and route handlers (tRPC, auth, media) plus the Yjs websocket. */
async function main(): Promise<void> {
  const dev = process.argv.includes("--dev");
  const config = env();
  process.env.NEXTAUTH_SECRET = config.authSecret;
  process.env.NEXTAUTH_URL = config.appUrl;

  const dbHandle = openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir });
  setProcessDatabase(dbHandle);
  const database = await dbHandle;
  const where =
    database.kind === "pglite" ? `embedded PGlite in ${config.dataDir}/pglite` : "PostgreSQL (DATABASE_URL)";

  const seed = config.SEED_DEMO === "true" || (config.SEED_DEMO === "auto" && database.kind === "pglite");
  if (seed && !(await hasAnyUser(database.db))) {
    console.log("Seeding demo data (first start)…");
    await seedDemo(database.db, mediaStoreFromEnv(config));
  }

  const app = next({ dev, dir: process.cwd(), hostname: "localhost", port: config.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();

  const bus = config.REDIS_URL
    ? await redisBus(config.REDIS_URL, (m, e) => console.error(`[bus] ${m}`, e ?? ""))
    : null;
  const journal = await liveJournalFor(config.liveJournalDir, database, bus);
  const realtime = createRealtime({
    bus,
    journal,
    db: database.db,
    exec: database.exec,
    appOrigin: () => config.appOrigin,
    ...liveLimitsFrom(config),
  });

  const server = http.createServer((req, res) => {
    const policy = { nonce: newNonce(), appOrigin: config.appOrigin, dev };
    for (const [name, value] of Object.entries(securityHeaders(policy))) res.setHeader(name, value);
    // Next takes the nonce for its own inline scripts from the request's CSP header.
    req.headers["content-security-policy"] = contentSecurityPolicy(policy);
    const address = clientAddress(req, config.TRUST_PROXY === "true");
    if (address) req.headers[CLIENT_ADDRESS_HEADER] = address;
    else delete req.headers[CLIENT_ADDRESS_HEADER];
    if (isCrossSiteWrite(req, config.appOrigin)) {
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
      res.end(
        `Refused: this request came from another site. Open Shotboard at ${config.appUrl} and try again there.`,
      );
      return;
    }
    handle(req, res).catch((error) => {
      console.error("[http]", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("Something went wrong on our side. Reload the page; if it persists, tell your admin.");
    });
  });

  // Next adds its own upgrade listener after the first request; it owns /_next/ (dev reload).
  server.on("upgrade", (req, socket, head) => {
    const path = req.url ?? "";
    if (path.startsWith("/yjs/")) void realtime.handleUpgrade(req, socket, head);
    else if (!path.startsWith("/_next/")) socket.destroy();
  });

  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const address = server.address();
  if (config.PORT === 0 && address && typeof address === "object" && !process.env.APP_URL) {
    config.appUrl = `http://localhost:${address.port}`;
    config.appOrigin = config.appUrl;
    process.env.NEXTAUTH_URL = config.appUrl;
  }
  console.log(
    `Shotboard ready on ${config.appUrl}  (database: ${where}${bus ? "; live updates shared through Redis" : ""})`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing…`);
    server.close();
    await realtime.close();
    await database.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error) => {
  if (error instanceof EnvError) console.error(error.message);
  else console.error("Shotboard could not start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
