import { availableParallelism } from "node:os";
import { forFile, type Planned, pool } from "~/server/services/ingest/ingest-plan";
import { type DecodeGate, processDecodeGate } from "~/server/services/media/decode-gate";
import { inspectImage, preparedFiles, prepareImage, type StoredImage } from "~/server/services/media/media";
import { type MediaStore, mediaKeys, type StagedMedia } from "~/server/storage/media-store";

/**
 * An ingest's media, staged where no reader sees it: published once the version's rows are
 * committed, discarded when anything fails before. Nothing is ever removed from the store
 * itself, so media another version already uses is never touched.
 */
export class MediaStaging {
  /** Per piece of media, its files in the order they are published. */
  private readonly groups: StagedMedia[][] = [];

  constructor(private readonly store: MediaStore) {}

  async stage(files: { key: string; bytes: Uint8Array }[]): Promise<void> {
    const group: StagedMedia[] = [];
    this.groups.push(group);
    for (const f of files) group.push(await this.store.stage(f.key, f.bytes));
  }

  /** Puts everything in place; each piece's files in order (an image's proxy last: it marks "complete"). */
  async publish(): Promise<void> {
    await pool(this.groups, 8, async (group) => {
      for (const staged of group) await staged.publish();
    });
  }

  /** Drops what was staged and not yet published. */
  async discard(): Promise<void> {
    await Promise.all(this.groups.flat().map((staged) => staged.discard()));
  }
}

/** The version's rows are committed, but the media store did not take (all of) its files. */
export class MediaNotPublished extends Error {
  constructor(
    readonly version: { versionId: string; number: number },
    cause: unknown,
  ) {
    super(`Version ${version.versionId} was saved, but its media files could not be stored`, { cause });
  }
}

/**
 * Checks and decodes the media of a planned version and stages its files: every image's header
 * first (cheap: an oversized frame is named before any pixels are decoded), then each one
 * decoded into its thumbnail and proxy, `concurrency` of this request at a time and each
 * decode waiting its turn at the process-wide `gate`. Returns what to record of each frame.
 */
export async function prepareMedia(
  planned: Planned,
  staging: MediaStaging,
  opts: { store: MediaStore; concurrency?: number; gate?: DecodeGate },
): Promise<StoredImage[]> {
  if (planned.kind === "clip") {
    await staging.stage([{ key: mediaKeys(planned.sha).original, bytes: planned.file.bytes }]);
    return [];
  }
  for (const f of planned.frames) await forFile(f.file.name, inspectImage(f.file.bytes, f.file.name));
  const limit = opts.concurrency ?? Math.max(1, Math.min(4, availableParallelism()));
  const gate = opts.gate ?? processDecodeGate();
  return pool(planned.frames, limit, async (f) => {
    const image = await forFile(f.file.name, prepareImage(opts.store, f.file.bytes, f.file.name, gate));
    await staging.stage(preparedFiles(image, f.file.bytes));
    const { variants: _staged, ...stored } = image;
    return stored;
  });
}

/**
 * Whether the store holds every file of a planned version (an image's proxy is published last,
 * so it marks the image complete). A process that died between an ingest's commit and the
 * publish of its files leaves a version without them: re-sending the same files repairs it.
 */
export async function mediaComplete(store: MediaStore, planned: Planned): Promise<boolean> {
  if (planned.kind === "clip") return store.has(mediaKeys(planned.sha).original);
  for (const f of planned.frames) if (!(await store.has(mediaKeys(f.sha).proxy))) return false;
  return true;
}
