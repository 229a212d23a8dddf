CREATE TYPE "public"."decision_kind" AS ENUM('approved', 'changes_requested', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."shot_status" AS ENUM('waiting', 'in_review', 'approved', 'changes_requested', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."version_status" AS ENUM('pending_review', 'recommended', 'approved', 'changes_requested', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."show_role" AS ENUM('director', 'supervisor', 'artist', 'producer', 'reviewer');--> statement-breakpoint
CREATE TYPE "public"."show_state" AS ENUM('active', 'locked', 'archived');--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"show_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"actor_user_id" uuid,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"payload" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "audit_events_show_seq_key" UNIQUE("show_id","seq")
);
--> statement-breakpoint
ALTER TABLE "audit_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "board_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"board_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "board_items_board_version_key" UNIQUE("board_id","version_id")
);
--> statement-breakpoint
ALTER TABLE "board_items" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "boards" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"title" text NOT NULL,
	"session_date" date NOT NULL,
	"presenter_id" uuid,
	"is_open" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "boards" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"kind" "decision_kind" NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "show_role" NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"frame_hashes" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "decisions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "yjs_updates" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"show_id" uuid NOT NULL,
	"doc_name" text NOT NULL,
	"update" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "yjs_updates" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "frames" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"frame_number" integer NOT NULL,
	"sha256" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	CONSTRAINT "frames_version_number_key" UNIQUE("version_id","frame_number")
);
--> statement-breakpoint
ALTER TABLE "frames" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "media" (
	"show_id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"mime" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"bytes" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_show_sha_key" UNIQUE("show_id","sha256")
);
--> statement-breakpoint
ALTER TABLE "media" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "shots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"code" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"frame_start" integer DEFAULT 1001 NOT NULL,
	"frame_end" integer NOT NULL,
	"fps" real DEFAULT 24 NOT NULL,
	"status" "shot_status" DEFAULT 'waiting' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shots_show_code_key" UNIQUE("show_id","code")
);
--> statement-breakpoint
ALTER TABLE "shots" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"shot_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"status" "version_status" DEFAULT 'pending_review' NOT NULL,
	"submitted_by" uuid,
	"note" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "versions_shot_number_key" UNIQUE("shot_id","number")
);
--> statement-breakpoint
ALTER TABLE "versions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "memberships" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"show_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "show_role" NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "memberships_show_user_key" UNIQUE("show_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "memberships" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "shows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"code_name" text,
	"state" "show_state" DEFAULT 'active' NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shows_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
ALTER TABLE "shows" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text,
	"is_studio_admin" boolean DEFAULT false NOT NULL,
	"disabled_at" timestamp with time zone,
	"session_version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "board_items" ADD CONSTRAINT "board_items_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_items" ADD CONSTRAINT "board_items_board_id_boards_id_fk" FOREIGN KEY ("board_id") REFERENCES "public"."boards"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_items" ADD CONSTRAINT "board_items_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "boards" ADD CONSTRAINT "boards_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "boards" ADD CONSTRAINT "boards_presenter_id_users_id_fk" FOREIGN KEY ("presenter_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "yjs_updates" ADD CONSTRAINT "yjs_updates_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "frames" ADD CONSTRAINT "frames_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "frames" ADD CONSTRAINT "frames_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media" ADD CONSTRAINT "media_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shots" ADD CONSTRAINT "shots_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "versions" ADD CONSTRAINT "versions_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "versions" ADD CONSTRAINT "versions_shot_id_shots_id_fk" FOREIGN KEY ("shot_id") REFERENCES "public"."shots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "versions" ADD CONSTRAINT "versions_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_show_idx" ON "audit_events" USING btree ("show_id","seq");--> statement-breakpoint
CREATE INDEX "decisions_version_idx" ON "decisions" USING btree ("version_id","created_at");--> statement-breakpoint
CREATE INDEX "yjs_updates_doc_idx" ON "yjs_updates" USING btree ("doc_name","id");--> statement-breakpoint
CREATE INDEX "versions_show_idx" ON "versions" USING btree ("show_id");--> statement-breakpoint
CREATE INDEX "memberships_user_idx" ON "memberships" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE POLICY "audit_read_in_show" ON "audit_events" AS PERMISSIVE FOR SELECT TO "shotboard_app" USING ("audit_events"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "audit_append_in_show" ON "audit_events" AS PERMISSIVE FOR INSERT TO "shotboard_app" WITH CHECK ("audit_events"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "board_items" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("board_items"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("board_items"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "boards" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("boards"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("boards"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "decisions" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("decisions"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("decisions"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "yjs_updates" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("yjs_updates"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("yjs_updates"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "frames" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("frames"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("frames"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "media" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("media"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("media"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "shots" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("shots"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("shots"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_isolation" ON "versions" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("versions"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("versions"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "membership_own_or_in_show" ON "memberships" AS PERMISSIVE FOR SELECT TO "shotboard_app" USING ("memberships"."user_id" = nullif(current_setting('app.user_id', true), '')::uuid or "memberships"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "membership_write_in_show" ON "memberships" AS PERMISSIVE FOR ALL TO "shotboard_app" USING ("memberships"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("memberships"."show_id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "show_visible_to_members" ON "shows" AS PERMISSIVE FOR SELECT TO "shotboard_app" USING ("shows"."id" = nullif(current_setting('app.show_id', true), '')::uuid or exists (select 1 from memberships m where m.show_id = "shows"."id" and m.user_id = nullif(current_setting('app.user_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "show_writable_in_show" ON "shows" AS PERMISSIVE FOR UPDATE TO "shotboard_app" USING ("shows"."id" = nullif(current_setting('app.show_id', true), '')::uuid) WITH CHECK ("shows"."id" = nullif(current_setting('app.show_id', true), '')::uuid);