CREATE TYPE "public"."contribution_class" AS ENUM('human_authored', 'ai_assisted', 'ai_generated', 'human_edited_ai');--> statement-breakpoint
CREATE TYPE "public"."contributor_kind" AS ENUM('user', 'talent', 'tool');--> statement-breakpoint
CREATE TYPE "public"."guild" AS ENUM('WGA', 'SAG-AFTRA', 'TAG/IATSE', 'none');--> statement-breakpoint
ALTER TYPE "public"."decision_kind" ADD VALUE 'recommended' BEFORE 'approved';--> statement-breakpoint
ALTER TYPE "public"."decision_kind" ADD VALUE 'reopened';--> statement-breakpoint
CREATE TABLE "credits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"shot_id" uuid NOT NULL,
	"version_id" uuid,
	"contributor_kind" "contributor_kind" NOT NULL,
	"user_id" uuid,
	"talent_id" uuid,
	"contributor_name" text NOT NULL,
	"department" text DEFAULT '' NOT NULL,
	"contribution_class" "contribution_class" NOT NULL,
	"guild" "guild" DEFAULT 'none' NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"origin" text DEFAULT 'manual' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "credits" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "notes" (
	"show_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"frame_number" integer NOT NULL,
	"author_id" uuid,
	"author_name" text NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"parent_id" text,
	"mentions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"resolved" boolean DEFAULT false NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notes_version_id_id_pk" PRIMARY KEY("version_id","id")
);
--> statement-breakpoint
ALTER TABLE "notes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "likeness_consents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"talent_id" uuid NOT NULL,
	"scope" text NOT NULL,
	"media" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"valid_from" date NOT NULL,
	"valid_to" date,
	"reference" text DEFAULT '' NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "likeness_consents" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "pipeline_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "pipeline_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "pipeline_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "provenance" (
	"version_id" uuid PRIMARY KEY NOT NULL,
	"show_id" uuid NOT NULL,
	"source_type" text,
	"model" text,
	"model_version" text,
	"provider" text,
	"prompt" text,
	"negative_prompt" text,
	"seed" text,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"input_assets" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"training_clearance_ref" text,
	"no_training_attestation" boolean DEFAULT false NOT NULL,
	"embedded" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "provenance" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "talent" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"name" text NOT NULL,
	"guild" "guild" DEFAULT 'none' NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "talent_show_name_key" UNIQUE("show_id","name")
);
--> statement-breakpoint
ALTER TABLE "talent" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "version_likenesses" (
	"version_id" uuid NOT NULL,
	"talent_id" uuid NOT NULL,
	"show_id" uuid NOT NULL,
	CONSTRAINT "version_likenesses_version_id_talent_id_pk" PRIMARY KEY("version_id","talent_id")
);
--> statement-breakpoint
ALTER TABLE "version_likenesses" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "signin_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"window_start" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "provenance_hash" text;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "notes_hash" text;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "consent_ids" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "source" text DEFAULT 'upload' NOT NULL;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "pipeline_token_id" uuid;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "clip_sha256" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "locked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "credits_locked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "credits" ADD CONSTRAINT "credits_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credits" ADD CONSTRAINT "credits_shot_id_shots_id_fk" FOREIGN KEY ("shot_id") REFERENCES "public"."shots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credits" ADD CONSTRAINT "credits_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credits" ADD CONSTRAINT "credits_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credits" ADD CONSTRAINT "credits_talent_id_talent_id_fk" FOREIGN KEY ("talent_id") REFERENCES "public"."talent"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "likeness_consents" ADD CONSTRAINT "likeness_consents_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "likeness_consents" ADD CONSTRAINT "likeness_consents_talent_id_talent_id_fk" FOREIGN KEY ("talent_id") REFERENCES "public"."talent"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_tokens" ADD CONSTRAINT "pipeline_tokens_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_tokens" ADD CONSTRAINT "pipeline_tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provenance" ADD CONSTRAINT "provenance_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provenance" ADD CONSTRAINT "provenance_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provenance" ADD CONSTRAINT "provenance_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "talent" ADD CONSTRAINT "talent_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_likenesses" ADD CONSTRAINT "version_likenesses_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_likenesses" ADD CONSTRAINT "version_likenesses_talent_id_talent_id_fk" FOREIGN KEY ("talent_id") REFERENCES "public"."talent"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_likenesses" ADD CONSTRAINT "version_likenesses_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credits_shot_idx" ON "credits" USING btree ("shot_id");--> statement-breakpoint
CREATE INDEX "notes_show_created_idx" ON "notes" USING btree ("show_id","created_at");--> statement-breakpoint
CREATE INDEX "likeness_consents_talent_idx" ON "likeness_consents" USING btree ("talent_id");--> statement-breakpoint
CREATE POLICY "show_isolation" ON "credits" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("credits"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("credits"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "notes" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("notes"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("notes"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "likeness_consents" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("likeness_consents"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("likeness_consents"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "pipeline_tokens" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("pipeline_tokens"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("pipeline_tokens"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "provenance" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("provenance"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("provenance"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "talent" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("talent"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("talent"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "version_likenesses" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("version_likenesses"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("version_likenesses"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);