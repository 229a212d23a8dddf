-- The role the app switches to (`set local role shotboard_app`) inside every transaction.
-- It owns no table and has neither BYPASSRLS nor superuser, so row-level security applies.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shotboard_app') THEN
    CREATE ROLE shotboard_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
  END IF;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  EXECUTE format('GRANT shotboard_app TO %I', current_user);
EXCEPTION WHEN others THEN
  RAISE NOTICE 'could not grant shotboard_app to %: %', current_user, SQLERRM;
END
$$;
