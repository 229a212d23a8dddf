-- Row-level security is forced on every show-scoped table, so even the owner is filtered
-- when it switches role; the app role gets only the privileges it needs.
ALTER TABLE "shows" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "memberships" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "shots" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "versions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "media" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "frames" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "boards" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "board_items" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "yjs_updates" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "decisions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO shotboard_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "users" TO shotboard_app;--> statement-breakpoint
GRANT SELECT, UPDATE ON "shows" TO shotboard_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "memberships", "shots", "versions", "media", "frames", "boards", "board_items", "yjs_updates", "decisions" TO shotboard_app;--> statement-breakpoint
-- The audit log is append-only for the app: no UPDATE, no DELETE, no TRUNCATE.
GRANT SELECT, INSERT ON "audit_events" TO shotboard_app;--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO shotboard_app;--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW WHEN (current_user = 'shotboard_app') EXECUTE FUNCTION audit_events_append_only();
