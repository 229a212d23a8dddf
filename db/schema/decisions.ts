import { index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { showIsolation } from "./roles";
import { versions } from "./shots";
import { showRole, shows } from "./shows";
import { users } from "./users";

export const decisionKind = pgEnum("decision_kind", [
  "recommended",
  "approved",
  "changes_requested",
  "rejected",
  "reopened",
]);

export const decisions = pgTable(
  "decisions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    versionId: uuid("version_id")
      .notNull()
      .references(() => versions.id, { onDelete: "cascade" }),
    kind: decisionKind("kind").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    role: showRole("role").notNull(),
    reason: text("reason").notNull().default(""),
    /** What was on screen: the version's frame hashes in order. */
    frameHashes: jsonb("frame_hashes").$type<string[]>().notNull(),
    /** sha256 of the canonical provenance record at decision time. */
    provenanceHash: text("provenance_hash"),
    /** sha256 of the canonical notes snapshot at decision time. */
    notesHash: text("notes_hash"),
    /** The likeness consents the decision relied on. */
    consentIds: jsonb("consent_ids").$type<string[]>().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("decisions_version_idx").on(t.versionId, t.createdAt), showIsolation(t.showId)],
);

export type Decision = typeof decisions.$inferSelect;
export type DecisionKind = (typeof decisionKind.enumValues)[number];
