import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { showIsolation } from "./roles";
import { versions } from "./shots";
import { shows } from "./shows";
import { users } from "./users";

/**
 * Annotations and comments materialised from the version's Yjs document: searchable, the
 * source of exports, "My notes" and the notes hash bound to a decision.
 */
export const notes = pgTable(
  "notes",
  {
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    versionId: uuid("version_id")
      .notNull()
      .references(() => versions.id, { onDelete: "cascade" }),
    /** The annotation's id in the Yjs document. */
    id: text("id").notNull(),
    kind: text("kind").notNull(),
    frameNumber: integer("frame_number").notNull(),
    authorId: uuid("author_id").references(() => users.id, { onDelete: "set null" }),
    authorName: text("author_name").notNull(),
    text: text("text").notNull().default(""),
    parentId: text("parent_id"),
    mentions: jsonb("mentions").$type<string[]>().notNull().default([]),
    resolved: boolean("resolved").notNull().default(false),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.versionId, t.id] }),
    index("notes_show_created_idx").on(t.showId, t.createdAt),
    showIsolation(t.showId),
  ],
);

export type Note = typeof notes.$inferSelect;
