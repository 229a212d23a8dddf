import { and, eq } from "drizzle-orm";
import { inScope } from "~/db/client";
import { media } from "~/db/schema";
import { can } from "~/server/auth/permissions";
import { readSession } from "~/server/auth/session";
import { env } from "~/server/env";
import { getDb } from "~/server/process-db";
import { parseByteRange } from "~/server/services/media/byte-range";
import { loadShowAccess } from "~/server/services/shows/shows";
import { mediaStoreFromEnv } from "~/server/storage/from-env";
import { mediaKeys } from "~/server/storage/media-store";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA = /^[0-9a-f]{64}$/;
const VARIANTS = { thumb: "image/webp", proxy: "image/webp", original: null } as const;

const notFound = () => new Response("Not found", { status: 404, headers: { "content-type": "text/plain" } });

/** Media is served only here: to live members of the show that holds it, never by bare hash. */
export async function GET(req: Request, { params }: { params: Promise<{ showId: string; sha: string }> }) {
  const { showId, sha } = await params;
  const variant = (new URL(req.url).searchParams.get("variant") ?? "proxy") as keyof typeof VARIANTS;
  if (!UUID.test(showId) || !SHA.test(sha) || !(variant in VARIANTS)) return notFound();
  const db = await getDb();
  const session = await readSession(db, req.headers.get("cookie"));
  if (!session)
    return new Response("Sign in first", { status: 401, headers: { "content-type": "text/plain" } });
  const access = await loadShowAccess(db, { showId, userId: session.user.id });
  if (!access || !can(access.role, "view")) return notFound();
  const [row] = await inScope(db, { showId, userId: session.user.id }, (tx) =>
    tx
      .select({ mime: media.mime })
      .from(media)
      .where(and(eq(media.showId, showId), eq(media.sha256, sha)))
      .limit(1),
  );
  if (!row) return notFound();
  const bytes = await mediaStoreFromEnv(env()).get(mediaKeys(sha)[variant]);
  if (!bytes) return notFound();
  const headers = {
    "content-type": VARIANTS[variant] ?? row.mime,
    "cache-control": "private, max-age=31536000, immutable",
    "x-content-type-options": "nosniff",
    "accept-ranges": "bytes",
  };
  // Clips are seeked frame by frame: the browser asks for byte ranges.
  const range = parseByteRange(req.headers.get("range"), bytes.length);
  if (range === "unsatisfiable") {
    return new Response(null, {
      status: 416,
      headers: { ...headers, "content-range": `bytes */${bytes.length}` },
    });
  }
  if (range) {
    return new Response(new Uint8Array(bytes.subarray(range.start, range.end + 1)), {
      status: 206,
      headers: { ...headers, "content-range": `bytes ${range.start}-${range.end}/${bytes.length}` },
    });
  }
  return new Response(new Uint8Array(bytes), { headers });
}
