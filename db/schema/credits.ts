import { index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { guild, talent } from "./provenance";
import { showIsolation } from "./roles";
import { shots, versions } from "./shots";
import { shows } from "./shows";
import { users } from "./users";

export const contributorKind = pgEnum("contributor_kind", ["user", "talent", "tool"]);
export const contributionClass = pgEnum("contribution_class", [
  "human_authored",
  "ai_assisted",
  "ai_generated",
  "human_edited_ai",
]);

/** One credit line: who or what contributed to a shot (and version), in which role and class. */
export const credits = pgTable(
  "credits",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    shotId: uuid("shot_id")
      .notNull()
      .references(() => shots.id, { onDelete: "cascade" }),
    versionId: uuid("version_id").references(() => versions.id, { onDelete: "cascade" }),
    contributorKind: contributorKind("contributor_kind").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    talentId: uuid("talent_id").references(() => talent.id, { onDelete: "set null" }),
    /** For AI tools/models: "model@version (provider)"; for people: their display name at the time. */
    contributorName: text("contributor_name").notNull(),
    department: text("department").notNull().default(""),
    contributionClass: contributionClass("contribution_class").notNull(),
    guild: guild("guild").notNull().default("none"),
    notes: text("notes").notNull().default(""),
    /** "proposed" rows come from the data; a producer confirms, edits or removes them. */
    origin: text("origin").notNull().default("manual"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("credits_shot_idx").on(t.shotId), showIsolation(t.showId)],
);

export type Credit = typeof credits.$inferSelect;
export type ContributionClass = (typeof contributionClass.enumValues)[number];
