import {
  customType,
  index,
  integer,
  pgEnum,
  pgTable,
  real,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { showIsolation } from "./roles";
import { shows } from "./shows";
import { users } from "./users";

export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});

export const versionStatus = pgEnum("version_status", [
  "pending_review",
  "recommended",
  "approved",
  "changes_requested",
  "rejected",
]);
export const shotStatus = pgEnum("shot_status", [
  "waiting",
  "in_review",
  "approved",
  "changes_requested",
  "rejected",
]);

export const shots = pgTable(
  "shots",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    code: text("code").notNull(),
    description: text("description").notNull().default(""),
    frameStart: integer("frame_start").notNull().default(1001),
    frameEnd: integer("frame_end").notNull(),
    fps: real("fps").notNull().default(24),
    /** Derived from the shot's versions by services/signoff/shot-status.ts, kept here for listing. */
    status: shotStatus("status").notNull().default("waiting"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("shots_show_code_key").on(t.showId, t.code), showIsolation(t.showId)],
);

export const versions = pgTable(
  "versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    shotId: uuid("shot_id")
      .notNull()
      .references(() => shots.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    status: versionStatus("status").notNull().default("pending_review"),
    submittedBy: uuid("submitted_by").references(() => users.id, { onDelete: "set null" }),
    note: text("note").notNull().default(""),
    /** "upload" (browser), "pipeline" (token ingest) or "seed". */
    source: text("source").notNull().default("upload"),
    pipelineTokenId: uuid("pipeline_token_id"),
    /** A clip version: the clip's media sha256 (frames are then indexes into it). */
    clipSha256: text("clip_sha256"),
    /** Set when the version is approved: media and provenance are frozen from then on. */
    lockedAt: timestamp("locked_at", { withTimezone: true }),
    /** Set when the producer locks the version's credits. */
    creditsLockedAt: timestamp("credits_locked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("versions_shot_number_key").on(t.shotId, t.number),
    index("versions_show_idx").on(t.showId),
    showIsolation(t.showId),
  ],
);

/** Content-addressed media known to a show; the bytes live in the media store under `sha256`. */
export const media = pgTable(
  "media",
  {
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    sha256: text("sha256").notNull(),
    mime: text("mime").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    bytes: integer("bytes").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("media_show_sha_key").on(t.showId, t.sha256), showIsolation(t.showId)],
);

export const frames = pgTable(
  "frames",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    versionId: uuid("version_id")
      .notNull()
      .references(() => versions.id, { onDelete: "cascade" }),
    frameNumber: integer("frame_number").notNull(),
    sha256: text("sha256").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
  },
  (t) => [unique("frames_version_number_key").on(t.versionId, t.frameNumber), showIsolation(t.showId)],
);

export type Shot = typeof shots.$inferSelect;
export type Version = typeof versions.$inferSelect;
export type Frame = typeof frames.$inferSelect;
export type VersionStatus = (typeof versionStatus.enumValues)[number];
export type ShotStatus = (typeof shotStatus.enumValues)[number];
