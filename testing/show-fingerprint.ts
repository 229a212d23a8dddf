import { sql } from "drizzle-orm";
import type { Queryable } from "~/db/client";

/** Rows of `db.execute`, whichever driver (postgres.js returns an array, PGlite `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

/** Every table with a `show_id` column: the show-scoped tables, found from the schema itself. */
export async function showScopedTables(db: Queryable): Promise<string[]> {
  const rows = rowsOf<{ table_name: string }>(
    await db.execute(sql`
      select c.table_name from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and c.column_name = 'show_id' and t.table_type = 'BASE TABLE'
      order by c.table_name`),
  );
  return rows.map((r) => r.table_name);
}

/**
 * Row count and a hash of every row of one show, table by table, plus its `shows` row. Read as
 * the connection's own (superuser) role, so row-level security does not hide anything.
 */
export async function showFingerprint(db: Queryable, showId: string): Promise<Record<string, string>> {
  if (!/^[0-9a-f-]{36}$/.test(showId)) throw new Error(`not a show id: ${showId}`);
  const out: Record<string, string> = {};
  const tables = [...(await showScopedTables(db)), "shows"];
  for (const table of tables) {
    const column = table === "shows" ? "id" : "show_id";
    const [row] = rowsOf<{ n: number; h: string | null }>(
      await db.execute(
        sql.raw(
          `select count(*)::int as n, md5(string_agg(t::text, '|' order by t::text)) as h from "${table}" t where "${column}" = '${showId}'`,
        ),
      ),
    );
    out[table] = `${row?.n ?? 0}:${row?.h ?? ""}`;
  }
  return out;
}
