-- Inviting people: an admin invites an email with a role; the invitation
-- holds only the SHA-256 of its one-time link's token. Opening the link
-- (before any session) shows who is invited where; accepting it creates
-- the person if they are new (name and password) and the membership, once.

SET LOCAL ROLE redkey_owner;

CREATE TABLE invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  email text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 320),
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
  invited_by uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_open ON invitations (workspace_id, created_at DESC)
  WHERE accepted_at IS NULL AND revoked_at IS NULL;

CREATE VIEW crm_invitations AS
SELECT id, workspace_id AS client_id, email, role, expires_at, accepted_at, created_at
FROM invitations
WHERE workspace_id = redkey_client_id() AND revoked_at IS NULL;

CREATE FUNCTION crm_invite(p_email text, p_role text, p_token_sha256 bytea, p_days integer)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  made uuid;
BEGIN
  IF NOT redkey_is_admin() THEN
    RAISE EXCEPTION 'only an admin invites people' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF EXISTS (SELECT 1 FROM users u JOIN user_clients uc ON uc.user_id = u.id
             WHERE lower(u.email) = lower(btrim(p_email)) AND uc.workspace_id = redkey_client_id()) THEN
    RAISE EXCEPTION '% is already a member', btrim(p_email) USING ERRCODE = 'RK002';
  END IF;
  INSERT INTO invitations (email, role, token_sha256, invited_by, expires_at)
  VALUES (lower(btrim(p_email)), p_role, p_token_sha256, uid,
          now() + make_interval(days => greatest(1, least(p_days, 30))))
  RETURNING id INTO made;
  RETURN made;
END
$$;

CREATE FUNCTION crm_revoke_invitation(p_invitation uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT redkey_is_admin() THEN
    RAISE EXCEPTION 'only an admin revokes invitations' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE invitations SET revoked_at = now()
  WHERE id = p_invitation AND workspace_id = redkey_client_id()
    AND accepted_at IS NULL AND revoked_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invitation not found' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

-- An open invitation by its token (before any session): the email, the
-- client's name, and whether the person already has a password.
CREATE FUNCTION crm_invitation(p_token_sha256 bytea)
RETURNS TABLE (email text, client_name text, known boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  inv invitations;
BEGIN
  -- invitations and workspaces are under forced row security: look as
  -- the invitation's client.
  FOR inv IN SELECT * FROM redkey_open_invitation(p_token_sha256) LOOP
    PERFORM set_config('redkey.client_id', inv.workspace_id::text, true);
    RETURN QUERY
      SELECT inv.email, w.name,
             EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = inv.email AND u.disabled_at IS NULL)
      FROM workspaces w WHERE w.id = inv.workspace_id;
  END LOOP;
END
$$;

-- Row security hides every invitation until the client is known; the
-- link's token is the other key that opens exactly its own row (a second
-- policy below), so this lookup sees one invitation and no other.
CREATE FUNCTION redkey_open_invitation(p_token_sha256 bytea) RETURNS SETOF invitations
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM set_config('redkey.invitation_token', encode(p_token_sha256, 'hex'), true);
  RETURN QUERY
    SELECT * FROM invitations
    WHERE token_sha256 = p_token_sha256 AND accepted_at IS NULL AND revoked_at IS NULL
      AND expires_at > now();
  PERFORM set_config('redkey.invitation_token', '', true);
END
$$;
REVOKE ALL ON FUNCTION redkey_open_invitation(bytea) FROM PUBLIC;

-- Accepts an open invitation once: a new person is created with the name
-- and password hash given (a known one keeps theirs), the membership with
-- the invitation's role. Returns the user, their name and the client to
-- sign in to.
CREATE FUNCTION crm_accept_invitation(p_token_sha256 bytea, p_name text, p_hash text)
RETURNS TABLE (user_id uuid, client_id uuid, display_name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  inv invitations;
  uid uuid;
  name text;
BEGIN
  SELECT * INTO inv FROM redkey_open_invitation(p_token_sha256);
  IF inv.id IS NULL THEN
    RAISE EXCEPTION 'this invitation is used, revoked or expired' USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM set_config('redkey.client_id', inv.workspace_id::text, true);
  -- Locked, so two clicks on the link accept it once.
  UPDATE invitations SET accepted_at = now()
  WHERE id = inv.id AND accepted_at IS NULL
  RETURNING * INTO inv;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'this invitation is used, revoked or expired' USING ERRCODE = 'no_data_found';
  END IF;
  SELECT u.id, u.display_name INTO uid, name FROM users u
  WHERE lower(u.email) = inv.email AND u.disabled_at IS NULL;
  IF uid IS NULL THEN
    IF p_hash IS NULL OR btrim(coalesce(p_name, '')) = '' THEN
      RAISE EXCEPTION 'a name and a password are needed' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    name := btrim(p_name);
    INSERT INTO users (email, display_name, password_hash) VALUES (inv.email, name, p_hash)
    RETURNING id INTO uid;
  END IF;
  INSERT INTO user_clients (user_id, workspace_id, role) VALUES (uid, inv.workspace_id, inv.role)
  ON CONFLICT (user_id, workspace_id) DO NOTHING;
  UPDATE workspace_members SET deleted_at = NULL
  WHERE workspace_id = inv.workspace_id AND user_id = uid AND deleted_at IS NOT NULL;
  INSERT INTO workspace_members (workspace_id, name_first_name, name_last_name, user_email, user_id)
  SELECT inv.workspace_id, split_part(name, ' ', 1),
         substr(name, length(split_part(name, ' ', 1)) + 2), inv.email, uid
  WHERE NOT EXISTS (SELECT 1 FROM workspace_members m
                    WHERE m.workspace_id = inv.workspace_id AND m.user_id = uid);
  RETURN QUERY SELECT uid, inv.workspace_id, name;
END
$$;

RESET ROLE;

SELECT redkey_isolate('invitations');
CREATE POLICY by_token ON invitations FOR SELECT TO PUBLIC
  USING (token_sha256 = decode(NULLIF(current_setting('redkey.invitation_token', true), ''), 'hex'));

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_invitations', 'id', 'system', false, false),
  ('crm_invitations', 'client_id', 'system', false, false),
  ('crm_invitations', 'email', 'system', false, false),
  ('crm_invitations', 'role', 'system', false, false),
  ('crm_invitations', 'expires_at', 'system', false, false),
  ('crm_invitations', 'accepted_at', 'system', false, false),
  ('crm_invitations', 'created_at', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_invite(text,text,bytea,integer)', 'redkey_human'),
  ('crm_revoke_invitation(uuid)', 'redkey_human'),
  ('crm_invitation(bytea)', 'redkey_human'),
  ('crm_accept_invitation(bytea,text,text)', 'redkey_human');
SELECT redkey_apply_grants();
