import { type Database, type DbHandle, openDatabase } from "~/db/client";
import { env } from "~/server/env";

const globalForDb = globalThis as unknown as { __shotboardDb?: Promise<DbHandle> };

/**
 * The process-wide database. server.ts opens it before Next starts; route handlers bundled by
 * Next reach the same instance through globalThis (PGlite allows one opener per folder).
 */
export function setProcessDatabase(handle: Promise<DbHandle>): void {
  globalForDb.__shotboardDb = handle;
}

export async function getDb(): Promise<Database> {
  if (!globalForDb.__shotboardDb) {
    const e = env();
    globalForDb.__shotboardDb = openDatabase({ databaseUrl: e.DATABASE_URL, dataDir: e.dataDir });
  }
  return (await globalForDb.__shotboardDb).db;
}
