-- Sessions that end when they should, and sign-in throttling every
-- instance sees.

SET LOCAL ROLE redkey_owner;

-- A disabled user cannot sign in, and every session of a user started
-- before `sessions_valid_after` is over (a password change or disabling
-- moves it to now()). Removing a membership ends the sessions in that
-- client: the check below asks for the membership on every request.
ALTER TABLE users
  ADD COLUMN disabled_at timestamptz,
  ADD COLUMN sessions_valid_after timestamptz NOT NULL DEFAULT '-infinity';

CREATE FUNCTION redkey_user_sessions_end() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
     OR (NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL) THEN
    NEW.sessions_valid_after := clock_timestamp();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER sessions_end BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION redkey_user_sessions_end();

-- Whether a session (user, client, started at) still stands.
CREATE FUNCTION crm_session_valid(p_user uuid, p_client uuid, p_since timestamptz)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM users u JOIN user_clients uc ON uc.user_id = u.id
    WHERE u.id = p_user AND uc.workspace_id = p_client
      AND u.disabled_at IS NULL AND u.sessions_valid_after <= p_since);
$$;

-- Sign-in looks up enabled users only.
CREATE OR REPLACE FUNCTION crm_auth_user(p_email text)
RETURNS TABLE (id uuid, email text, display_name text, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, email, display_name, password_hash FROM users
  WHERE lower(email) = lower(btrim(p_email)) AND disabled_at IS NULL;
$$;

-- Administration (owner credential only).
CREATE FUNCTION redkey_admin_set_user(p_email text, p_disabled boolean, p_hash text)
RETURNS uuid
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE uid uuid;
BEGIN
  UPDATE users SET
    disabled_at = CASE WHEN p_disabled IS NULL THEN disabled_at
                       WHEN p_disabled THEN coalesce(disabled_at, now()) END,
    password_hash = coalesce(p_hash, password_hash),
    updated_at = now()
  WHERE lower(email) = lower(btrim(p_email))
  RETURNING id INTO uid;
  IF uid IS NULL THEN
    RAISE EXCEPTION 'no user with email %', p_email USING ERRCODE = 'no_data_found';
  END IF;
  RETURN uid;
END
$$;
CREATE FUNCTION redkey_admin_remove_membership(p_email text, p_slug text) RETURNS boolean
LANGUAGE sql SET search_path = public, pg_temp AS $$
  WITH gone AS (
    DELETE FROM user_clients uc USING users u, workspaces w
    WHERE uc.user_id = u.id AND uc.workspace_id = w.id
      AND lower(u.email) = lower(btrim(p_email)) AND w.slug = p_slug
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM gone);
$$;
REVOKE ALL ON FUNCTION redkey_admin_set_user(text, boolean, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_admin_remove_membership(text, text) FROM PUBLIC;

-- Failed sign-ins, by normalised email and client address. Not client
-- data: reachable only through the functions below.
CREATE TABLE sign_in_failures (
  id bigserial PRIMARY KEY,
  email text NOT NULL CHECK (email = lower(email)),
  address inet NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email, address, at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);

-- Seconds this address must wait before trying this email again (0: go).
-- Only the addresses that failed are slowed, so guessing a known user's
-- password elsewhere never locks the user out:
--   the same email from the same address: 5 failures in 15 minutes, then
--   a wait doubling from one minute per further failure, at most an hour;
--   one address over any emails: 50 in 15 minutes, likewise;
--   everyone: past 1,000 failures in 15 minutes, any address that has
--   failed waits out the window; clean addresses still go.
CREATE FUNCTION crm_sign_in_wait(p_email text, p_address inet) RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  win interval := interval '15 minutes';
  n integer; m integer; g integer;
  last_pair timestamptz; last_addr timestamptz;
  wait_s double precision := 0;
BEGIN
  SELECT count(*), max(at) INTO n, last_pair FROM sign_in_failures
  WHERE email = lower(btrim(p_email)) AND address = p_address AND at > now() - win;
  IF n >= 5 THEN
    wait_s := greatest(wait_s, extract(epoch FROM last_pair
      + least(interval '1 minute' * power(2, least(n - 5, 6)), interval '1 hour') - now()));
  END IF;
  SELECT count(*), max(at) INTO m, last_addr FROM sign_in_failures
  WHERE address = p_address AND at > now() - win;
  IF m >= 50 THEN
    wait_s := greatest(wait_s, extract(epoch FROM last_addr
      + least(interval '1 minute' * power(2, least(m - 50, 6)), interval '1 hour') - now()));
  END IF;
  IF m > 0 THEN
    SELECT count(*) INTO g FROM sign_in_failures WHERE at > now() - win;
    IF g >= 1000 THEN
      wait_s := greatest(wait_s, extract(epoch FROM last_addr + win - now()));
    END IF;
  END IF;
  RETURN greatest(ceil(wait_s), 0)::integer;
END
$$;

CREATE FUNCTION crm_sign_in_failed(p_email text, p_address inet) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  DELETE FROM sign_in_failures WHERE at < now() - interval '1 day';
  INSERT INTO sign_in_failures (email, address) VALUES (lower(btrim(p_email)), p_address);
$$;

-- A success from an address forgives that address its failures on the email.
CREATE FUNCTION crm_sign_in_succeeded(p_email text, p_address inet) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  DELETE FROM sign_in_failures WHERE email = lower(btrim(p_email)) AND address = p_address;
$$;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_session_valid(uuid,uuid,timestamp with time zone)', 'redkey_human'),
  ('crm_sign_in_wait(text,inet)', 'redkey_human'),
  ('crm_sign_in_failed(text,inet)', 'redkey_human'),
  ('crm_sign_in_succeeded(text,inet)', 'redkey_human');
SELECT redkey_apply_grants();
