-- Cockpit sessions (tower-sessions' Postgres store) and the functions
-- sign-in uses. The session table is not client data: the serving login
-- reads and writes it directly, and the store never runs its own DDL.

CREATE SCHEMA tower_sessions AUTHORIZATION redkey_owner;
GRANT USAGE ON SCHEMA tower_sessions TO redkey_app;

SET LOCAL ROLE redkey_owner;

CREATE TABLE tower_sessions.session (
  id text PRIMARY KEY NOT NULL,
  data bytea NOT NULL,
  expiry_date timestamptz NOT NULL
);
CREATE INDEX session_expiry ON tower_sessions.session (expiry_date);
GRANT SELECT, INSERT, UPDATE, DELETE ON tower_sessions.session TO redkey_app;

-- Sign-in: the stored hash for an email (case-insensitive).
CREATE FUNCTION crm_auth_user(p_email text)
RETURNS TABLE (id uuid, email text, display_name text, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, email, display_name, password_hash FROM users WHERE lower(email) = lower(btrim(p_email));
$$;

-- The clients a user belongs to.
CREATE FUNCTION crm_user_clients(p_user uuid)
RETURNS TABLE (id uuid, slug text, name text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ws uuid;
  prev text := current_setting('redkey.client_id', true);
BEGIN
  -- workspaces is under forced RLS: look at each membership as its client.
  FOR ws IN SELECT uc.workspace_id FROM user_clients uc WHERE uc.user_id = p_user LOOP
    PERFORM set_config('redkey.client_id', ws::text, true);
    RETURN QUERY SELECT w.id, w.slug, w.name FROM workspaces w WHERE w.id = ws;
  END LOOP;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_auth_user(text)', 'redkey_human'),
  ('crm_user_clients(uuid)', 'redkey_human');
SELECT redkey_apply_grants();
