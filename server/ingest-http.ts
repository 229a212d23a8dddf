import { eq } from "drizzle-orm";
import { type Database, inScope } from "~/db/client";
import { shows } from "~/db/schema";
import { readSession } from "~/server/auth/session";
import { AppError, type AppErrorCode, NOT_FOUND_MESSAGE } from "~/server/errors";
import { isDatabaseUnavailable } from "~/server/services/database/db-errors";
import {
  type IngestActor,
  type IngestFile,
  IngestRefusal,
  ingestVersion,
} from "~/server/services/ingest/ingest";
import { MediaNotPublished } from "~/server/services/ingest/ingest-media";
import { authenticatePipelineToken } from "~/server/services/shows/pipeline-tokens";
import { requireShowAccess } from "~/server/services/shows/show-access";
import type { MediaStore } from "~/server/storage/media-store";

/** What the two ingest routes need; the app passes its process-wide ones, tests their own. */
export type IngestDeps = {
  db: () => Promise<Database>;
  store: () => MediaStore;
  maxFileBytes: () => number;
  /** Largest whole request body (all files together); the body is read in memory. */
  maxTotalBytes?: () => number;
  appOrigin: () => string;
};

/** The default for `maxTotalBytes` when a caller sets none (the app passes MAX_UPLOAD_TOTAL_BYTES). */
export const DEFAULT_MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024;

/** The request body is larger than the configured total: answered 413, nothing read further. */
class BodyTooLarge extends Error {
  constructor(limit: number) {
    super(
      `This upload is larger than ${Math.round(limit / 1024 / 1024)} MiB in all (MAX_UPLOAD_TOTAL_BYTES). Nothing was saved; send the frames in smaller batches, e.g. one shot range at a time.`,
    );
  }
}

/** The request with its body cut off (and refused) past `limit` bytes, whatever Content-Length says. */
function limitBody(req: Request, limit: number): { request: Request; exceeded: () => boolean } {
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(limit);
  if (!req.body) return { request: req, exceeded: () => false };
  let seen = 0;
  let over = false;
  const counted = req.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) {
          over = true;
          controller.error(new BodyTooLarge(limit));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  const request = new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: counted,
    duplex: "half",
  } as RequestInit);
  return { request, exceeded: () => over };
}

const STATUS: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAVAILABLE: 503,
};

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

function errorResponse(error: unknown): Response {
  if (error instanceof BodyTooLarge) return json(413, { error: error.message });
  if (error instanceof IngestRefusal) {
    return json(400, { error: error.message, ...error.details });
  }
  if (error instanceof AppError) return json(STATUS[error.code], { error: error.message });
  if (isDatabaseUnavailable(error)) {
    return json(503, {
      error: "The database is unavailable right now. Nothing was saved; try again in a moment.",
    });
  }
  console.error("[ingest]", error);
  if (error instanceof MediaNotPublished) {
    return json(500, {
      error: `Version ${error.version.number} was saved, but the media store did not take its files, so it cannot be viewed yet. Tell your admin: the media store may be full or unreachable.`,
      versionId: error.version.versionId,
    });
  }
  return json(500, { error: "Something went wrong on our side. Nothing was saved; try again." });
}

type Parsed = { fields: Map<string, string>; files: IngestFile[] };

/** Reads the multipart body: text fields, `provenance` (text or an attached .json), and every file. */
async function readForm(original: Request, maxTotalBytes: number): Promise<Parsed> {
  if (!(original.headers.get("content-type") ?? "").toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError(
      "BAD_REQUEST",
      "Send the files as multipart/form-data (e.g. curl -F files=@frame.png).",
    );
  }
  const body = limitBody(original, maxTotalBytes);
  let form: FormData;
  try {
    form = await body.request.formData();
  } catch {
    if (body.exceeded()) throw new BodyTooLarge(maxTotalBytes);
    throw new AppError(
      "BAD_REQUEST",
      "The upload could not be read: the multipart body is malformed or was cut off.",
    );
  }
  const fields = new Map<string, string>();
  const files: IngestFile[] = [];
  for (const [key, value] of form.entries()) {
    if (typeof value === "string") fields.set(key, value);
    else if (key === "provenance") fields.set(key, await value.text());
    else files.push({ name: value.name || key, bytes: new Uint8Array(await value.arrayBuffer()) });
  }
  return { fields, files };
}

function created(result: Awaited<ReturnType<typeof ingestVersion>>): Response {
  return json(result.created ? 201 : 200, result);
}

/**
 * `POST /api/ingest` for generation pipelines: `Authorization: Bearer <token>`, multipart with
 * `shot` (code or id), optional `show` (slug or id, checked against the token's), optional
 * `provenance` (JSON) and the files.
 */
export async function handlePipelineIngest(req: Request, deps: IngestDeps): Promise<Response> {
  try {
    const header = req.headers.get("authorization") ?? "";
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!bearer) {
      return json(401, { error: "Missing pipeline token: send the header Authorization: Bearer <token>." });
    }
    const db = await deps.db();
    const token = await authenticatePipelineToken(db, bearer);
    if (!token) {
      return json(401, {
        error:
          "This pipeline token is not valid: it is unknown or has been revoked. Ask a producer of the show for a new one.",
      });
    }
    const { fields, files } = await readForm(req, deps.maxTotalBytes?.() ?? DEFAULT_MAX_TOTAL_BYTES);
    const show = fields.get("show")?.trim();
    if (show && show !== token.showId) {
      if (show !== (await showOfToken(db, token.showId))) {
        return json(404, {
          error: `This pipeline token is for another show: it cannot ingest into "${show}".`,
        });
      }
    }
    const shot = fields.get("shot")?.trim();
    if (!shot)
      return json(400, { error: "Name the shot: send the field shot (its code, e.g. SQ010_SH0040, or id)." });
    const actor: IngestActor = { kind: "pipeline", tokenId: token.tokenId };
    const result = await ingestVersion(
      db,
      {
        showId: token.showId,
        shot,
        files,
        provenance: fields.get("provenance"),
        actor,
        note: fields.get("note"),
      },
      { store: deps.store(), maxFileBytes: deps.maxFileBytes() },
    );
    return created(result);
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") {
      return json(404, { error: "No such shot in this token's show. Check the shot code." });
    }
    return errorResponse(error);
  }
}

async function showOfToken(db: Database, showId: string): Promise<string | null> {
  const [row] = await inScope(db, { showId }, (tx) =>
    tx.select({ slug: shows.slug }).from(shows).where(eq(shows.id, showId)),
  );
  return row?.slug ?? null;
}

/**
 * The browser upload of a new version of a shot: session cookie, same-origin only, the
 * `upload` permission. Non-members and other shows' shots get the same 404 as missing ones.
 */
export async function handleBrowserUpload(
  req: Request,
  params: { slug: string; shotId: string },
  deps: IngestDeps,
): Promise<Response> {
  try {
    const origin = req.headers.get("origin");
    if (origin !== null && origin !== deps.appOrigin()) {
      return json(403, { error: "Uploads are accepted from Shotboard's own pages only." });
    }
    const db = await deps.db();
    const session = await readSession(db, req.headers.get("cookie"));
    if (!session) return json(401, { error: "Your session has ended. Sign in again, then upload." });
    const access = await requireShowAccess(db, { slug: params.slug, userId: session.user.id }, "upload");
    if (!/^[0-9a-f-]{36}$/i.test(params.shotId)) return json(404, { error: NOT_FOUND_MESSAGE });
    const { fields, files } = await readForm(req, deps.maxTotalBytes?.() ?? DEFAULT_MAX_TOTAL_BYTES);
    const result = await ingestVersion(
      db,
      {
        showId: access.show.id,
        shot: params.shotId,
        files,
        provenance: fields.get("provenance"),
        actor: { kind: "user", userId: session.user.id },
        note: fields.get("note"),
      },
      { store: deps.store(), maxFileBytes: deps.maxFileBytes() },
    );
    return created(result);
  } catch (error) {
    return errorResponse(error);
  }
}
