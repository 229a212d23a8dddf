/**
 * Compiles the server's TypeScript (server.ts, or a live node or benchmark server, with what
 * it imports from app/, server/ and db/) into one ES module that plain `node` runs. Packages
 * stay external: node loads them from node_modules as usual.
 *
 * Why not `node --import tsx` in production: tsx's module hooks run in a loader thread of
 * their own, a second V8 isolate that costs ~36 MiB of RSS for the life of the process. The
 * compiled module needs none, and starts faster. `npm start`, the e2e tests, the live
 * benchmark and the reliability suite's live nodes (testing/spawn-node.ts) run the
 * compiled server; `npm run dev` and the unit tests keep tsx.
 *
 * Takes ~0.1 s, so it runs at every start: the output is never stale. Written to a temporary
 * file and renamed, so a process starting meanwhile never reads half a file.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
/** Next to Next.js's own build output: ignored by git and the linter like it. */
const outDir = path.join(root, ".next", "shotboard-server");

/** Builds `entry` (relative to the repository root) and returns the compiled module's path. */
export async function buildServer(entry = "server.ts") {
  const outfile = path.join(outDir, entry.replace(/\.ts$/, ".mjs"));
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    // Function names in stack traces, as tsx gives them.
    keepNames: true,
    // Not loaded unless node runs with --enable-source-maps (which costs memory): for debugging.
    sourcemap: "external",
    write: false,
    logLevel: "warning",
  });
  for (const file of result.outputFiles) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents, { flag: "w" });
    renameSync(temp, file.path);
  }
  return outfile;
}

// `node scripts/build-server.mjs [entry]`: prints the compiled module's path.
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  console.log(await buildServer(process.argv[2]));
}
