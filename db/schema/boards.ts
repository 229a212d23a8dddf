import { boolean, date, integer, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { showIsolation } from "./roles";
import { versions } from "./shots";
import { shows } from "./shows";
import { users } from "./users";

export const boards = pgTable(
  "boards",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    sessionDate: date("session_date").notNull(),
    presenterId: uuid("presenter_id").references(() => users.id, { onDelete: "set null" }),
    isOpen: boolean("is_open").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [showIsolation(t.showId)],
);

export const boardItems = pgTable(
  "board_items",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    boardId: uuid("board_id")
      .notNull()
      .references(() => boards.id, { onDelete: "cascade" }),
    versionId: uuid("version_id")
      .notNull()
      .references(() => versions.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
  },
  (t) => [unique("board_items_board_version_key").on(t.boardId, t.versionId), showIsolation(t.showId)],
);

export type Board = typeof boards.$inferSelect;
