import { sql } from "drizzle-orm";
import { index, jsonb, pgEnum, pgPolicy, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { appRole, currentShowId, currentUserId } from "./roles";
import { users } from "./users";

export const showState = pgEnum("show_state", ["active", "locked", "archived"]);
export const showRole = pgEnum("show_role", ["director", "supervisor", "artist", "producer", "reviewer"]);

export const shows = pgTable(
  "shows",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull().unique(),
    title: text("title").notNull(),
    codeName: text("code_name"),
    state: showState("state").notNull().default("active"),
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    pgPolicy("show_visible_to_members", {
      for: "select",
      to: appRole,
      using: sql`${t.id} = ${currentShowId} or exists (select 1 from memberships m where m.show_id = ${t.id} and m.user_id = ${currentUserId} and (m.expires_at is null or m.expires_at > now()))`,
    }),
    pgPolicy("show_writable_in_show", {
      for: "update",
      to: appRole,
      using: sql`${t.id} = ${currentShowId}`,
      withCheck: sql`${t.id} = ${currentShowId}`,
    }),
  ],
);

export const memberships = pgTable(
  "memberships",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: showRole("role").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("memberships_show_user_key").on(t.showId, t.userId),
    index("memberships_user_idx").on(t.userId),
    pgPolicy("membership_own_or_in_show", {
      for: "select",
      to: appRole,
      using: sql`${t.userId} = ${currentUserId} or ${t.showId} = ${currentShowId}`,
    }),
    pgPolicy("membership_write_in_show", {
      for: "all",
      to: appRole,
      using: sql`${t.showId} = ${currentShowId}`,
      withCheck: sql`${t.showId} = ${currentShowId}`,
    }),
  ],
);

export type Show = typeof shows.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type ShowRole = (typeof showRole.enumValues)[number];
