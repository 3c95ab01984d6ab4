-- A session ends after twelve idle hours, but tower-sessions moves a
-- session's expiry only when its data changes, so an active session ended
-- twelve hours after sign-in however busy its user was. Loading a session
-- now also returns its stored expiry: the store can then see when the
-- expiry was last moved and ask for it to be moved again, at most once an
-- hour (one write an hour per active session, not one per request).
-- Otherwise as migration 0045's.

SET LOCAL ROLE redkey_owner;

DROP FUNCTION tower_sessions.load_checked(text);

CREATE FUNCTION tower_sessions.load_checked(p_id text)
RETURNS TABLE (data bytea, user_id uuid, client_id uuid, stands boolean, expiry_date timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT s.data, s.user_id, s.client_id,
         s.user_id IS NOT NULL AND EXISTS (
           SELECT 1 FROM users u JOIN user_clients uc ON uc.user_id = u.id
           WHERE u.id = s.user_id AND uc.workspace_id = s.client_id
             AND u.disabled_at IS NULL AND u.sessions_valid_after <= s.signed_in_at),
         s.expiry_date
  FROM tower_sessions.session s
  WHERE s.id = p_id AND s.expiry_date > now();
END
$$;
REVOKE ALL ON FUNCTION tower_sessions.load_checked(text) FROM PUBLIC;

RESET ROLE;

GRANT EXECUTE ON FUNCTION tower_sessions.load_checked(text) TO redkey_app;
