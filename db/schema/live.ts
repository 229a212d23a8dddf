import { bigserial, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { showIsolation } from "./roles";
import { bytea } from "./shots";
import { shows } from "./shows";

/** Yjs updates as accepted by the server, in order; compaction merges a prefix into one row. */
export const yjsUpdates = pgTable(
  "yjs_updates",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    docName: text("doc_name").notNull(),
    update: bytea("update").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("yjs_updates_doc_idx").on(t.docName, t.id), showIsolation(t.showId)],
);
