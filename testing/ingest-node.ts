/**
 * Shotboard's two upload routes without the rest of the app: the route modules Next serves
 * (`POST /api/ingest`, `POST /shows/<slug>/shots/<shotId>/upload`) behind server.ts's
 * cross-site check and security headers, on the database and media store the environment
 * names, in a process of its own. Lets the reliability suite upload over real HTTP without a
 * Next build. Prints "ready <port>" when listening.
 */
import http from "node:http";
import { Readable } from "node:stream";
import { POST as pipelineIngest } from "~/app/api/ingest/route";
import { POST as browserUpload } from "~/app/shows/[slug]/shots/[shotId]/upload/route";
import { openPostgres } from "~/db/client";
import { env } from "~/server/env";
import { isCrossSiteWrite, newNonce, securityHeaders } from "~/server/http/security";
import { setProcessDatabase } from "~/server/process-db";
import { processDecodeGate } from "~/server/services/media/decode-gate";

const config = env();
if (!config.DATABASE_URL) throw new Error("ingest-node needs DATABASE_URL");
const database = openPostgres(config.DATABASE_URL, 10);
setProcessDatabase(database);
await database;

const UPLOAD = /^\/shows\/([^/]+)\/shots\/([^/]+)\/upload$/;

async function route(req: http.IncomingMessage): Promise<Response> {
  const url = new URL(req.url ?? "/", config.appUrl);
  if (req.method !== "POST") return new Response("Not found", { status: 404 });
  const request = new Request(url, {
    method: req.method,
    headers: req.headers as Record<string, string>,
    body: Readable.toWeb(req) as ReadableStream,
    duplex: "half",
  } as RequestInit);
  if (url.pathname === "/api/ingest") return pipelineIngest(request);
  const upload = UPLOAD.exec(url.pathname);
  if (upload) {
    const params = { slug: decodeURIComponent(upload[1]!), shotId: decodeURIComponent(upload[2]!) };
    return browserUpload(request, { params: Promise.resolve(params) });
  }
  return new Response("Not found", { status: 404 });
}

const server = http.createServer(async (req, res) => {
  const policy = { nonce: newNonce(), appOrigin: config.appOrigin, dev: false };
  for (const [name, value] of Object.entries(securityHeaders(policy))) res.setHeader(name, value);
  if (isCrossSiteWrite(req, config.appOrigin)) {
    res.writeHead(403, { "content-type": "text/plain; charset=utf-8" }).end("Refused: cross-site request.");
    return;
  }
  try {
    const response = await route(req);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    console.error("[http]", error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end("Something went wrong on our side. Reload the page; if it persists, tell your admin.");
  }
});

server.listen(config.PORT, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  // As server.ts does for PORT=0: the app's own origin is known only now.
  if (config.PORT === 0 && !process.env.APP_URL) {
    config.appUrl = `http://localhost:${port}`;
    config.appOrigin = config.appUrl;
  }
  console.log(`ready ${port}`);
});

// Asked by the reliability suite (spawn-node's memory()): the node's memory and its peak since
// start; and ("decodes") the most image decodes it has run at once, with its limit.
process.on("message", (msg) => {
  if (msg === "rss") {
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ rss, heap: heapUsed, peakRss: process.resourceUsage().maxRSS * 1024 });
  }
  if (msg === "decodes") {
    const gate = processDecodeGate();
    process.send?.({ limit: gate.limit, peak: gate.peak() });
  }
});

const stop = async () => {
  server.close();
  await (await database).close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
