import { AppError } from "~/server/errors";
import { orderSequence } from "~/server/services/ingest/frame-sequence";
import type { ProvenanceIssue } from "~/server/services/ingest/ingest-provenance";
import { sha256, sniffClip, sniffImage } from "~/server/services/media/media";

export type IngestFile = { name: string; bytes: Uint8Array };

/** A refusal: a clear message, the file it concerns (if one), and provenance issues with their paths. */
export class IngestRefusal extends AppError {
  constructor(
    message: string,
    readonly details: { file?: string; issues?: ProvenanceIssue[] } = {},
  ) {
    super("BAD_REQUEST", message);
  }
}

const MAX_FILES = 10_000;

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. The first failure wins: no new item
 * starts after it, and it is thrown once those already running have settled (so nothing they
 * do lands after the caller has cleaned up).
 */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return out;
}

/** Rethrows a media refusal as an IngestRefusal that names its file. */
export async function forFile<T>(name: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof AppError && error.code === "BAD_REQUEST") {
      throw new IngestRefusal(error.message, { file: name });
    }
    throw error;
  }
}

export type Planned =
  | { kind: "clip"; file: IngestFile; sha: string; mime: string }
  | { kind: "frames"; frames: { file: IngestFile; frameNumber: number; sha: string }[] };

/** Type by content, size, order: everything that needs no decoding and no database. */
export function plan(files: IngestFile[], maxFileBytes: number, firstFrame: number): Planned {
  if (files.length === 0)
    throw new IngestRefusal("No files: send the frames or the clip of the new version.");
  if (files.length > MAX_FILES) {
    throw new IngestRefusal(`Too many files (${files.length}); a version may have at most ${MAX_FILES}.`);
  }
  for (const f of files) {
    if (f.bytes.byteLength > maxFileBytes) {
      throw new IngestRefusal(
        `${f.name} is ${mib(f.bytes.byteLength)}; files may be at most ${mib(maxFileBytes)} (MAX_UPLOAD_BYTES).`,
        { file: f.name },
      );
    }
  }
  const clips: { file: IngestFile; mime: string }[] = [];
  for (const f of files) {
    if (sniffImage(f.bytes)) continue;
    const clip = sniffClip(f.bytes);
    if (clip) clips.push({ file: f, mime: clip });
    else
      throw new IngestRefusal(
        `${f.name} is not a PNG, JPEG or WebP image, nor an MP4 or WebM clip (checked by its content, not its name).`,
        { file: f.name },
      );
  }
  if (clips.length) {
    if (files.length > 1) {
      throw new IngestRefusal(
        `A clip version is a single MP4 or WebM file; got ${files.length} files including ${clips[0]!.file.name}.`,
        { file: clips[0]!.file.name },
      );
    }
    const c = clips[0]!;
    return { kind: "clip", file: c.file, mime: c.mime, sha: sha256(c.file.bytes) };
  }
  const ordered = orderSequence(files, firstFrame);
  return {
    kind: "frames",
    frames: ordered.map(({ file, frameNumber }) => ({ file, frameNumber, sha: sha256(file.bytes) })),
  };
}
