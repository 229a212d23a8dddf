import { readdirSync } from "node:fs";
import path from "node:path";

/** Every file under `dir` at any depth (a media store's originals, variants and temp files), relative to it. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}
