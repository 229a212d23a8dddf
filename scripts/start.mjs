// `npm start`: builds the Next app when the build is missing or older than the sources, then
// runs the one Shotboard process (pages, tRPC, Yjs websocket) in production mode.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { buildServer } from "./build-server.mjs";
import { SERVER_NODE_FLAGS } from "./node-flags.mjs";

const root = path.resolve(import.meta.dirname, "..");
const buildId = path.join(root, ".next", "BUILD_ID");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

const sources = ["app", "server", "db"].map((d) => path.join(root, d)).filter(existsSync);
const stale =
  !existsSync(buildId) ||
  Math.max(...sources.map(newestMtime), statSync(path.join(root, "package.json")).mtimeMs) >
    statSync(buildId).mtimeMs;

const bin = (name) => path.join(root, "node_modules", ".bin", name);
if (stale && process.env.SKIP_BUILD !== "1") {
  console.log("Building the web app (first start or sources changed)…");
  const result = spawnSync(bin("next"), ["build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) {
    console.error("The build failed; see the messages above.");
    process.exit(result.status ?? 1);
  }
}

// server.ts compiled to plain JavaScript (scripts/build-server.mjs): no tsx loader thread.
const server = await buildServer("server.ts");
const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, server], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: "production" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
