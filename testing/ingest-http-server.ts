import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { count } from "drizzle-orm";
import { frames, provenance, versions } from "~/db/schema";
import { handleBrowserUpload, handlePipelineIngest, type IngestDeps } from "~/server/ingest-http";
import { LocalMediaStore } from "~/server/storage/media-store";
import type { Seeded } from "~/testing/db";
import { filesUnder } from "~/testing/media-files";

export type IngestHttpServer = { base: string; store: LocalMediaStore; close: () => Promise<void> };

/**
 * A node HTTP server on port 0 serving the same handlers the Next routes call
 * (`POST /api/ingest`, `POST /shows/<slug>/shots/<shotId>/upload`), on the test database and a
 * local media store in its media folder.
 */
export async function startIngestHttp(
  t: Seeded,
  limits: { maxFileBytes: number; maxTotalBytes: number },
): Promise<IngestHttpServer> {
  const store = new LocalMediaStore(t.mediaDir);
  let base = "";
  const deps: IngestDeps = {
    db: async () => t.db.db,
    store: () => store,
    maxFileBytes: () => limits.maxFileBytes,
    maxTotalBytes: () => limits.maxTotalBytes,
    appOrigin: () => base,
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", base);
    const request = new Request(url, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === "POST" ? (Readable.toWeb(req) as ReadableStream) : undefined,
      duplex: "half",
    } as RequestInit);
    const upload = /^\/shows\/([^/]+)\/shots\/([^/]+)\/upload$/.exec(url.pathname);
    const response =
      url.pathname === "/api/ingest"
        ? await handlePipelineIngest(request, deps)
        : upload
          ? await handleBrowserUpload(request, { slug: upload[1]!, shotId: upload[2]! }, deps)
          : new Response("no route", { status: 404 });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, store, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export function ingestForm(
  fields: Record<string, string>,
  files: { name: string; bytes: Uint8Array }[],
): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const f of files) body.append("files", new Blob([new Uint8Array(f.bytes)]), f.name);
  return body;
}

export async function postForm(url: string, body: FormData, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: "POST", body, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Versions, frames and provenance rows in the whole database, and files in the media folder. */
export async function storedCounts(t: Seeded) {
  const db = t.db.db;
  const [[v], [f], [p]] = await Promise.all([
    db.select({ n: count() }).from(versions),
    db.select({ n: count() }).from(frames),
    db.select({ n: count() }).from(provenance),
  ]);
  return { versions: v!.n, frames: f!.n, provenance: p!.n, mediaFiles: filesUnder(t.mediaDir).length };
}
