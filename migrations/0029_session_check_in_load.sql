-- The per-request session check folded into loading the session: the
-- session row carries who signed in (written when the store saves it), and
-- one function call returns the session with whether it still stands (the
-- user enabled, still a member of the client, no password change since).

SET LOCAL ROLE redkey_owner;

ALTER TABLE tower_sessions.session
  ADD COLUMN user_id uuid,
  ADD COLUMN client_id uuid,
  ADD COLUMN signed_in_at timestamptz;

CREATE FUNCTION tower_sessions.load_checked(p_id text)
RETURNS TABLE (data bytea, user_id uuid, client_id uuid, stands boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.data, s.user_id, s.client_id,
         s.user_id IS NOT NULL AND crm_session_valid(s.user_id, s.client_id, s.signed_in_at)
  FROM tower_sessions.session s
  WHERE s.id = p_id AND s.expiry_date > now();
$$;
REVOKE ALL ON FUNCTION tower_sessions.load_checked(text) FROM PUBLIC;

RESET ROLE;

GRANT EXECUTE ON FUNCTION tower_sessions.load_checked(text) TO redkey_app;
