import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/** Bytes held for a key where no reader sees them: publish() puts them in place, discard() drops them. */
export type StagedMedia = { publish: () => Promise<void>; discard: () => Promise<void> };

/**
 * Where media bytes live. Keys are content-addressed (`sha256/<aa>/<sha>/<variant>`), so a key
 * never changes meaning and a write of the same key is always the same bytes. The local folder
 * is the default; an S3-compatible store implements the same calls.
 */
export interface MediaStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  has(key: string): Promise<boolean>;
  /**
   * Holds `bytes` for `key` without making them visible, so an ingest can stage its media,
   * commit its rows and only then publish: a refused or failed ingest discards what it staged
   * and never removes a file that a committed version uses.
   */
  stage(key: string, bytes: Uint8Array): Promise<StagedMedia>;
}

const KEY = /^sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\/(original|thumb|proxy)$/;

export function assertMediaKey(key: string): void {
  if (!KEY.test(key)) throw new Error(`Invalid media key "${key.slice(0, 100)}"`);
}

/** The keys of one piece of media: the untouched original and its generated variants. */
export function mediaKeys(sha: string): { original: string; thumb: string; proxy: string } {
  const base = `sha256/${sha.slice(0, 2)}/${sha}`;
  const keys = { original: `${base}/original`, thumb: `${base}/thumb`, proxy: `${base}/proxy` };
  assertMediaKey(keys.original);
  return keys;
}

export class LocalMediaStore implements MediaStore {
  constructor(private readonly root: string) {}

  private file(key: string): string {
    assertMediaKey(key);
    return path.join(this.root, ...key.split("/"));
  }

  /** Writes to a temp file then renames, so a reader never sees half a file. */
  async put(key: string, bytes: Uint8Array): Promise<void> {
    const staged = await this.stage(key, bytes);
    try {
      await staged.publish();
    } catch (error) {
      await staged.discard();
      throw error;
    }
  }

  /** A temp file in `<root>/.staging` (the same disk, so publishing is an atomic rename). */
  async stage(key: string, bytes: Uint8Array): Promise<StagedMedia> {
    const file = this.file(key);
    const staging = path.join(this.root, ".staging");
    await mkdir(staging, { recursive: true });
    const tmp = path.join(staging, `${randomBytes(8).toString("hex")}.tmp`);
    const discard = () => rm(tmp, { force: true });
    try {
      await writeFile(tmp, bytes);
    } catch (error) {
      await discard();
      throw error;
    }
    return {
      publish: async () => {
        await mkdir(path.dirname(file), { recursive: true });
        await rename(tmp, file);
      },
      discard,
    };
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.file(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await stat(this.file(key));
      return true;
    } catch {
      return false;
    }
  }
}
