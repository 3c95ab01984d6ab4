-- Cockpit users. Global (a user may belong to several clients), so not
-- under client RLS; reachable only through the functions below.

SET LOCAL ROLE redkey_owner;

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
  display_name text NOT NULL CHECK (btrim(display_name) <> ''),
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

CREATE TABLE user_clients (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  PRIMARY KEY (user_id, workspace_id)
);

-- Administration (owner credential only).
CREATE FUNCTION redkey_admin_create_client(p_slug text, p_name text) RETURNS uuid
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  new_id uuid := gen_random_uuid();
BEGIN
  PERFORM set_config('redkey.client_id', new_id::text, true);
  INSERT INTO workspaces (id, slug, name) VALUES (new_id, p_slug, p_name);
  RETURN new_id;
END
$$;

-- Creates or updates a user (by email) and its client memberships; each
-- membership is also a workspace member so the user can own deals.
CREATE FUNCTION redkey_admin_upsert_user(p_email text, p_name text, p_hash text, p_clients text[])
RETURNS uuid
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid;
  ws uuid;
  c_slug text;
BEGIN
  INSERT INTO users (email, display_name, password_hash) VALUES (p_email, p_name, p_hash)
  ON CONFLICT (lower(email)) DO UPDATE
    SET display_name = excluded.display_name, password_hash = excluded.password_hash,
        updated_at = now()
  RETURNING id INTO uid;
  FOREACH c_slug IN ARRAY p_clients LOOP
    -- The owner credential bypasses RLS (superuser or BYPASSRLS).
    SELECT w.id INTO ws FROM workspaces w WHERE w.slug = c_slug;
    IF ws IS NULL THEN
      RAISE EXCEPTION 'no client with slug %', c_slug USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO user_clients (user_id, workspace_id) VALUES (uid, ws) ON CONFLICT DO NOTHING;
    PERFORM set_config('redkey.client_id', ws::text, true);
    INSERT INTO workspace_members (workspace_id, name_first_name, name_last_name, user_email, user_id)
    SELECT ws, split_part(p_name, ' ', 1), substr(p_name, length(split_part(p_name, ' ', 1)) + 2),
           p_email, uid
    WHERE NOT EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = ws AND m.user_id = uid);
  END LOOP;
  RETURN uid;
END
$$;
CREATE FUNCTION redkey_admin_clients() RETURNS TABLE (id uuid, slug text, name text)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT id, slug, name FROM workspaces ORDER BY slug;
$$;

REVOKE ALL ON FUNCTION redkey_admin_clients() FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_admin_create_client(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_admin_upsert_user(text, text, text, text[]) FROM PUBLIC;
