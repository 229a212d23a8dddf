import type { Env } from "~/server/env";
import { LocalMediaStore, type MediaStore } from "~/server/storage/media-store";
import { S3MediaStore } from "~/server/storage/s3-store";

const globalForStore = globalThis as unknown as { __shotboardMediaStore?: MediaStore };

/** The configured media store: an S3-compatible bucket when S3_BUCKET is set, else a local folder. */
export function mediaStoreFromEnv(config: Env): MediaStore {
  if (globalForStore.__shotboardMediaStore) return globalForStore.__shotboardMediaStore;
  const store = config.S3_BUCKET
    ? new S3MediaStore({
        bucket: config.S3_BUCKET,
        endpoint: config.S3_ENDPOINT,
        region: config.S3_REGION,
        accessKeyId: config.S3_ACCESS_KEY_ID!,
        secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
        forcePathStyle: config.S3_FORCE_PATH_STYLE
          ? config.S3_FORCE_PATH_STYLE === "true"
          : !!config.S3_ENDPOINT,
      })
    : new LocalMediaStore(config.mediaDir);
  globalForStore.__shotboardMediaStore = store;
  return store;
}
