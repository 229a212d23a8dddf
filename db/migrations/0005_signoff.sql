-- Sign-off makes a version's media, provenance and likenesses immutable (versions.locked_at),
-- and its credits (versions.credits_locked_at), for every role including the owner. The checks
-- run as the migration owner (SECURITY DEFINER) so row-level security cannot hide the version.
-- A child row whose version is already gone (ON DELETE CASCADE from a show) passes.
CREATE OR REPLACE FUNCTION version_is_signed_off(vid uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT EXISTS (SELECT 1 FROM versions WHERE id = vid AND locked_at IS NOT NULL)
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION version_credits_locked(vid uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT EXISTS (SELECT 1 FROM versions WHERE id = vid AND credits_locked_at IS NOT NULL)
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION version_exists(vid uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT EXISTS (SELECT 1 FROM versions WHERE id = vid)
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION show_exists(sid uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT EXISTS (SELECT 1 FROM shows WHERE id = sid)
$$;--> statement-breakpoint

-- frames, provenance, version_likenesses: no INSERT, UPDATE or DELETE while the version is signed off.
CREATE OR REPLACE FUNCTION refuse_change_of_signed_off_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  vid uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF NOT show_exists(OLD.show_id) THEN RETURN OLD; END IF;
    vid := OLD.version_id;
  ELSE
    vid := NEW.version_id;
  END IF;
  IF version_is_signed_off(vid) OR (TG_OP = 'UPDATE' AND version_is_signed_off(OLD.version_id)) THEN
    RAISE EXCEPTION 'version % is signed off: its % cannot change until a director reopens it', vid, TG_ARGV[0]
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER frames_frozen_after_signoff BEFORE INSERT OR UPDATE OR DELETE ON "frames"
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_signed_off_version('frames');--> statement-breakpoint
CREATE TRIGGER provenance_frozen_after_signoff BEFORE INSERT OR UPDATE OR DELETE ON "provenance"
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_signed_off_version('provenance');--> statement-breakpoint
CREATE TRIGGER likenesses_frozen_after_signoff BEFORE INSERT OR UPDATE OR DELETE ON "version_likenesses"
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_signed_off_version('likenesses');--> statement-breakpoint

-- A signed-off version keeps its shot, number and clip, and is not deleted (unless its show is).
CREATE OR REPLACE FUNCTION refuse_change_of_signed_off_version_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.locked_at IS NOT NULL AND show_exists(OLD.show_id) THEN
      RAISE EXCEPTION 'version % is signed off and cannot be deleted; a director can reopen it first', OLD.id
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.locked_at IS NOT NULL AND NEW.locked_at IS NOT NULL AND (
    NEW.shot_id IS DISTINCT FROM OLD.shot_id OR NEW.number IS DISTINCT FROM OLD.number
    OR NEW.clip_sha256 IS DISTINCT FROM OLD.clip_sha256 OR NEW.show_id IS DISTINCT FROM OLD.show_id) THEN
    RAISE EXCEPTION 'version % is signed off: its media cannot change until a director reopens it', OLD.id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER versions_frozen_after_signoff BEFORE UPDATE OR DELETE ON "versions"
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_signed_off_version_row();--> statement-breakpoint

-- Credits of a version are locked with its sign-off; a producer's audited unlock reopens them.
CREATE OR REPLACE FUNCTION refuse_change_of_locked_credits() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  vid uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF NOT show_exists(OLD.show_id) THEN RETURN OLD; END IF;
    vid := OLD.version_id;
  ELSE
    vid := NEW.version_id;
  END IF;
  IF (vid IS NOT NULL AND version_credits_locked(vid))
    OR (TG_OP = 'UPDATE' AND OLD.version_id IS NOT NULL AND version_credits_locked(OLD.version_id)) THEN
    RAISE EXCEPTION 'credits of version % are locked with the sign-off: a producer must unlock them first', vid
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER credits_locked_with_signoff BEFORE INSERT OR UPDATE OR DELETE ON "credits"
  FOR EACH ROW EXECUTE FUNCTION refuse_change_of_locked_credits();--> statement-breakpoint

-- Decisions are a record: the app role may add them, never rewrite or remove them (a removed
-- version takes its decisions with it; the audit chain keeps what happened).
CREATE OR REPLACE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT version_exists(OLD.version_id) THEN RETURN OLD; END IF;
  RAISE EXCEPTION 'decisions are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER decisions_no_update_delete BEFORE UPDATE OR DELETE ON "decisions"
  FOR EACH ROW WHEN (current_user = 'shotboard_app') EXECUTE FUNCTION decisions_append_only();
