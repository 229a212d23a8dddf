import { appIngestDeps } from "~/server/ingest-deps";
import { handleBrowserUpload } from "~/server/ingest-http";

/** The browser's "Upload new version" of a shot (multipart: the files, optional provenance). */
export async function POST(req: Request, { params }: { params: Promise<{ slug: string; shotId: string }> }) {
  return handleBrowserUpload(req, await params, appIngestDeps);
}
