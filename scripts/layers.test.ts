import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layers point one way (STYLE.md): `shared/` (what browser and server both use) imports
 * none of `app/`, `server/`, `db/`; `server/` imports nothing from `app/`; `db/` is the bottom
 * layer and imports none of the others. Test support lives in `testing/`, outside the
 * production tree; tests may reach across (they drive the real parts).
 */
const root = path.resolve(import.meta.dirname, "..");
const LAYERS: Record<string, readonly string[]> = {
  shared: ["app", "server", "db", "testing"],
  server: ["app", "testing"],
  db: ["app", "server", "shared", "testing"],
};

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "migrations" ? [] : sources(rel);
    return /\.(ts|tsx|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [rel] : [];
  });
}

/** Every module a file names: `from "…"`, `import("…")`, `require("…")`, resolved to a top-level folder. */
function importedLayers(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g)].map(
    (m) => m[1]!,
  );
  return specs.flatMap((spec) => {
    if (spec.startsWith("~/")) return [spec.slice(2).split("/")[0]!];
    if (spec.startsWith("."))
      return [path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep)[0]!];
    return [];
  });
}

describe("layers", () => {
  it("the import check reads aliases, relative paths and dynamic imports", () => {
    const text = `import a from "~/server/x";\nconst b = await import("../app/y");\nimport c from "./z";\nimport "yjs";`;
    expect(importedLayers(path.join(root, "shared", "f.ts"), text)).toEqual(["server", "app", "shared"]);
  });

  it.each(Object.entries(LAYERS))("%s/ imports none of %s", (layer, forbidden) => {
    const offenders = sources(layer).flatMap((file) =>
      importedLayers(path.join(root, file), readFileSync(path.join(root, file), "utf8"))
        .filter((target) => forbidden.includes(target))
        .map((target) => `${file} → ${target}/`),
    );
    expect(offenders).toEqual([]);
  });
});
