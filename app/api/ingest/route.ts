import { appIngestDeps } from "~/server/ingest-deps";
import { handlePipelineIngest } from "~/server/ingest-http";

/** Pipeline ingest: see README "Ingest from pipelines". */
export function POST(req: Request) {
  return handlePipelineIngest(req, appIngestDeps);
}
