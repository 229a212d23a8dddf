/**
 * Verifies a show's audit hash chain in the database.
 *
 *   npm run audit:verify -- --show moonfall                   # DATABASE_URL, or the embedded DB in DATA_DIR
 *   npm run audit:verify -- --show moonfall --export out.jsonl # also writes the JSON Lines export
 *
 * Prints "intact, N events, head hash …" (exit 0) or the first broken event: its seq, row id and
 * what is wrong (exit 1). Exit 2: bad arguments or no such show. The embedded database (PGlite)
 * allows one process per data folder: stop the app first, or verify on the show's audit page.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { inScope, openDatabase } from "~/db/client";
import { shows } from "~/db/schema";
import { describeReport, exportEvents, reportChain, toJsonLines } from "~/server/services/audit/audit-verify";

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith("--")) fail(`--${name} needs a value.`);
  return value;
}

async function main() {
  const slug = option("show");
  if (!slug) fail("Usage: npm run audit:verify -- --show <slug> [--export <file.jsonl>]");
  const exportTo = option("export");
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const dataDir = path.resolve(process.env.DATA_DIR || "data");
  if (!databaseUrl && !existsSync(path.join(dataDir, "pglite"))) {
    fail(
      `No embedded database in ${dataDir}/pglite. Set DATABASE_URL, or DATA_DIR to the app's data folder.`,
    );
  }
  if (!databaseUrl) {
    console.error(
      `Reading the embedded database in ${dataDir}/pglite: the app must be stopped (PGlite allows one process per folder), or use the audit page instead.`,
    );
  }
  const handle = await openDatabase({ databaseUrl, dataDir });
  try {
    const [show] = await handle.db.select({ id: shows.id }).from(shows).where(eq(shows.slug, slug));
    if (!show) {
      fail(`No show with slug "${slug}". (The verifier must connect as the database owner the app uses.)`);
    }
    const events = await inScope(handle.db, { showId: show.id }, (tx) =>
      exportEvents(tx, { showId: show.id }),
    );
    if (exportTo) {
      writeFileSync(exportTo, toJsonLines(events));
      console.error(`Wrote ${events.length} events to ${exportTo}`);
    }
    const report = reportChain(events);
    console.log(describeReport(report));
    process.exitCode = report.intact ? 0 : 1;
  } finally {
    await handle.close();
  }
}

main().catch((error) => {
  console.error(`audit:verify failed: ${error instanceof Error ? error.message : error}`);
  process.exit(2);
});
