import {
  boolean,
  date,
  index,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { showIsolation } from "./roles";
import { versions } from "./shots";
import { shows } from "./shows";
import { users } from "./users";

export const guild = pgEnum("guild", ["WGA", "SAG-AFTRA", "TAG/IATSE", "none"]);

/**
 * An input to a generated version: another version of the same show, media of the show by its
 * hash, or an outside reference (a described asset, optionally with a URL).
 */
export type InputAsset =
  | { kind: "version"; versionId: string; label?: string }
  | { kind: "media"; sha256: string; label?: string }
  | { kind: "reference"; label: string; url?: string };

/**
 * What was read from the files themselves (generator parameters in PNG text chunks / EXIF, XMP,
 * C2PA), kept apart from what people typed. Written by server/services/ingest/embedded-metadata/.
 */
export type EmbeddedProvenance = {
  /** Where the generator data came from first: "png:parameters", "png:comfyui", "xmp", "c2pa"… */
  source?: string;
  sources?: string[];
  /** IPTC digital source type code (e.g. trainedAlgorithmicMedia), from XMP, C2PA or a generator. */
  sourceType?: string;
  prompt?: string;
  negativePrompt?: string;
  seed?: string;
  model?: string;
  modelVersion?: string;
  provider?: string;
  parameters?: Record<string, string>;
  /** Present when a generation tool wrote the file: its name, model, version. */
  generator?: Record<string, string>;
  xmp?: Record<string, string>;
  c2pa?: {
    present: boolean;
    /** Whether the manifest's claim could be read (it is never signature-validated here). */
    readable?: boolean;
    validation: "valid" | "invalid" | "unverified" | "absent";
    container?: string;
    claimGenerator?: string;
    actions?: string[];
    digitalSourceType?: string;
    raw?: unknown;
  };
  /** Text chunks as found, each capped. */
  raw?: Record<string, string>;
  errors?: string[];
};

/** Provenance of a version (DESIGN.md "Provenance"). Frozen once the version is approved. */
export const provenance = pgTable(
  "provenance",
  {
    versionId: uuid("version_id")
      .primaryKey()
      .references(() => versions.id, { onDelete: "cascade" }),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    /** IPTC digital source type, e.g. trainedAlgorithmicMedia. */
    sourceType: text("source_type"),
    model: text("model"),
    modelVersion: text("model_version"),
    provider: text("provider"),
    prompt: text("prompt"),
    negativePrompt: text("negative_prompt"),
    seed: text("seed"),
    parameters: jsonb("parameters").$type<Record<string, unknown>>().notNull().default({}),
    inputAssets: jsonb("input_assets").$type<InputAsset[]>().notNull().default([]),
    trainingClearanceRef: text("training_clearance_ref"),
    noTrainingAttestation: boolean("no_training_attestation").notNull().default(false),
    embedded: jsonb("embedded").$type<EmbeddedProvenance>().notNull().default({}),
    updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [showIsolation(t.showId)],
);

/** Talent whose likeness may appear in generated media, per show. */
export const talent = pgTable(
  "talent",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    guild: guild("guild").notNull().default("none"),
    notes: text("notes").notNull().default(""),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("talent_show_name_key").on(t.showId, t.name), showIsolation(t.showId)],
);

export const likenessConsents = pgTable(
  "likeness_consents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    talentId: uuid("talent_id")
      .notNull()
      .references(() => talent.id, { onDelete: "cascade" }),
    /** Described intended use, e.g. "digital double for SQ010 crowd shots". */
    scope: text("scope").notNull(),
    media: jsonb("media").$type<string[]>().notNull().default([]),
    validFrom: date("valid_from").notNull(),
    validTo: date("valid_to"),
    reference: text("reference").notNull().default(""),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("likeness_consents_talent_idx").on(t.talentId), showIsolation(t.showId)],
);

/** Which likenesses a version uses. */
export const versionLikenesses = pgTable(
  "version_likenesses",
  {
    versionId: uuid("version_id")
      .notNull()
      .references(() => versions.id, { onDelete: "cascade" }),
    talentId: uuid("talent_id")
      .notNull()
      .references(() => talent.id, { onDelete: "cascade" }),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.talentId] }), showIsolation(t.showId)],
);

/** Show-scoped API tokens for generation pipelines; only a sha256 of the secret is stored. */
export const pipelineTokens = pgTable(
  "pipeline_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    showId: uuid("show_id")
      .notNull()
      .references(() => shows.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** First characters of the token, shown in the UI to tell tokens apart. */
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [showIsolation(t.showId)],
);

export type Provenance = typeof provenance.$inferSelect;
export type Talent = typeof talent.$inferSelect;
export type LikenessConsent = typeof likenessConsents.$inferSelect;
export type PipelineToken = typeof pipelineTokens.$inferSelect;
export type Guild = (typeof guild.enumValues)[number];
