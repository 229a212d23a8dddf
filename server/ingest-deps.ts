import { env } from "~/server/env";
import type { IngestDeps } from "~/server/ingest-http";
import { getDb } from "~/server/process-db";
import { mediaStoreFromEnv } from "~/server/storage/from-env";

/** The running app's database, media store and limits, for the ingest routes. */
export const appIngestDeps: IngestDeps = {
  db: getDb,
  store: () => mediaStoreFromEnv(env()),
  maxFileBytes: () => env().MAX_UPLOAD_BYTES,
  maxTotalBytes: () => env().MAX_UPLOAD_TOTAL_BYTES,
  appOrigin: () => env().appOrigin,
};
