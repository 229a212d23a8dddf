import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Where media bytes live. Keys are content-addressed (`sha256/<aa>/<sha>/<variant>`), so a key
 * never changes meaning and a write of the same key is always the same bytes. The local folder
 * is the default; an S3-compatible store implements the same three calls.
 */
export interface MediaStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  has(key: string): Promise<boolean>;
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
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
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
