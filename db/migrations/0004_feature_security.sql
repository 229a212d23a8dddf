-- New show-scoped tables: RLS forced like the others; privileges for the app role only as needed.
ALTER TABLE "provenance" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "talent" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "likeness_consents" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "version_likenesses" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "pipeline_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "credits" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "notes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "provenance", "talent", "likeness_consents", "version_likenesses", "pipeline_tokens", "credits", "notes", "signin_throttle" TO shotboard_app;--> statement-breakpoint
GRANT INSERT ON "shows" TO shotboard_app;--> statement-breakpoint
CREATE POLICY "show_insert_by_admin" ON "shows" AS PERMISSIVE FOR INSERT TO "shotboard_app" WITH CHECK ("shows"."id" = nullif(current_setting('app.show_id', true), '')::uuid);--> statement-breakpoint
-- A pipeline token names its show; the lookup by hash runs before any show is in scope, so it
-- goes through this narrow definer function that returns only the token's id and show.
CREATE OR REPLACE FUNCTION pipeline_token_lookup(hash text)
RETURNS TABLE (token_id uuid, show_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT id, show_id FROM pipeline_tokens WHERE token_hash = hash AND revoked_at IS NULL
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION pipeline_token_lookup(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION pipeline_token_lookup(text) TO shotboard_app;
