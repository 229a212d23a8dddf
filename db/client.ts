import { mkdirSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { ExtractTablesWithRelations } from "drizzle-orm/relations";
import postgres from "postgres";
import * as schema from "./schema";
import { APP_ROLE } from "./schema/roles";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Query functions take either, so they compose inside `db.transaction`. */
export type Queryable = Database | Transaction;

export type DbHandle = {
  db: Database;
  kind: "pglite" | "postgres";
  /**
   * Runs a multi-statement SQL text in one round trip (simple protocol, no parameters): for
   * the few hot paths that must not pay one round trip per statement. Callers build the text
   * only from validated values.
   */
  exec: (text: string) => Promise<void>;
  close: () => Promise<void>;
};

export type DbOptions = { databaseUrl?: string; dataDir: string };

const migrationsFolder = path.join(process.cwd(), "db", "migrations");
const MIGRATION_LOCK = 726_1001;

/** Opens PostgreSQL when `databaseUrl` is set, else PGlite persisted under `dataDir/pglite`. */
export async function openDatabase(opts: DbOptions): Promise<DbHandle> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl);
  const dir = path.join(opts.dataDir, "pglite");
  mkdirSync(dir, { recursive: true });
  return openPglite(dir);
}

export async function openPglite(dataDir?: string): Promise<DbHandle> {
  // Loaded on demand: the WASM build of PostgreSQL costs ~50 MB that a PostgreSQL node never needs.
  const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("drizzle-orm/pglite"),
    import("drizzle-orm/pglite/migrator"),
  ]);
  const client = await PGlite.create(dataDir ? { dataDir } : {});
  const db = drizzlePglite({ client, schema }) as unknown as Database;
  await migratePglite(db as never, { migrationsFolder });
  return {
    db,
    kind: "pglite",
    exec: async (text) => {
      await client.exec(text);
    },
    close: () => client.close(),
  };
}

export async function openPostgres(url: string, maxConnections = 10): Promise<DbHandle> {
  const migrator = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrator`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres({ client: migrator }), { migrationsFolder });
    await migrator`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await migrator.end();
  }
  const client = postgres(url, { max: maxConnections, onnotice: () => {} });
  const db = drizzlePostgres({ client, schema }) as unknown as Database;
  // exec() sends BEGIN…COMMIT in one simple query, which postgres.js allows only on
  // single-connection clients: a few of those, used round-robin, opened on first use.
  const execClients: postgres.Sql[] = [];
  let next = 0;
  return {
    db,
    kind: "postgres",
    exec: async (text) => {
      if (execClients.length < 4) execClients.push(postgres(url, { max: 1, onnotice: () => {} }));
      const c = execClients[next++ % execClients.length]!;
      await c.unsafe(text).simple();
    },
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), ...execClients.map((c) => c.end({ timeout: 5 }))]);
    },
  };
}

export type Scope = { showId?: string | null; userId?: string | null };

/**
 * Runs `fn` in a transaction as the app role, with the show and user that row-level security
 * checks. Every request-path query goes through here.
 */
export async function inScope<T>(
  db: Database,
  scope: Scope,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    // One statement: set_config('role', …, true) is `set local role`, so the scope costs one round trip.
    await tx.execute(
      sql`select set_config('app.show_id', ${scope.showId ?? ""}, true), set_config('app.user_id', ${scope.userId ?? ""}, true), set_config('role', ${APP_ROLE}, true)`,
    );
    return fn(tx);
  });
}
