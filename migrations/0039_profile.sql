-- A person's own profile: their name (on every client they belong to) and
-- their password. Changing the password moves sessions_valid_after (the
-- trigger from 0015), so every other session of theirs ends at once; the
-- cockpit renews the session that made the change.

SET LOCAL ROLE redkey_owner;

CREATE FUNCTION crm_set_my_name(p_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  name text := btrim(p_name);
  prev text := current_setting('redkey.client_id', true);
  ws uuid;
BEGIN
  IF uid IS NULL THEN
    RAISE EXCEPTION 'only a signed-in person has a profile' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF name IS NULL OR name = '' OR length(name) > 200 THEN
    RAISE EXCEPTION 'a name is 1 to 200 characters' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE users SET display_name = name, updated_at = now() WHERE id = uid;
  -- workspace_members is under forced row security: each membership as
  -- its own client.
  FOR ws IN SELECT workspace_id FROM user_clients WHERE user_id = uid LOOP
    PERFORM set_config('redkey.client_id', ws::text, true);
    UPDATE workspace_members
    SET name_first_name = split_part(name, ' ', 1),
        name_last_name = substr(name, length(split_part(name, ' ', 1)) + 2)
    WHERE workspace_id = ws AND user_id = uid;
  END LOOP;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;

-- Returns the time from which sessions stand (the new one's start).
CREATE FUNCTION crm_set_my_password(p_hash text) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  valid timestamptz;
BEGIN
  IF uid IS NULL THEN
    RAISE EXCEPTION 'only a signed-in person has a password' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE users SET password_hash = p_hash, updated_at = now() WHERE id = uid
  RETURNING sessions_valid_after INTO valid;
  RETURN valid;
END
$$;

RESET ROLE;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_set_my_name(text)', 'redkey_human'),
  ('crm_set_my_password(text)', 'redkey_human');
SELECT redkey_apply_grants();
