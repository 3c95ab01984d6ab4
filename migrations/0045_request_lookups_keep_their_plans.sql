-- The lookups every request makes keep their plans (BENCHMARKS.md, pages
-- over HTTP, session 14). A LANGUAGE sql function with its own settings
-- (SECURITY DEFINER, SET search_path) is never inlined, and its body is
-- parsed and planned again on every call: timed with pgbench, loading a
-- session took 0.26 ms of Postgres time beyond a bare SELECT, 0.79 ms of
-- planning in EXPLAIN against 0.06 ms of execution. In PL/pgSQL the plan
-- is kept for the connection's life: 0.09 ms. The cockpit loads a session
-- on every page and server function, an agent's token on every API call.
-- Same results, same rights: only the language changes, and the session
-- check is written out here instead of calling crm_session_valid, a
-- second function of the same kind (it stays for the import's check).

SET LOCAL ROLE redkey_owner;

CREATE OR REPLACE FUNCTION tower_sessions.load_checked(p_id text)
RETURNS TABLE (data bytea, user_id uuid, client_id uuid, stands boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT s.data, s.user_id, s.client_id,
         s.user_id IS NOT NULL AND EXISTS (
           SELECT 1 FROM users u JOIN user_clients uc ON uc.user_id = u.id
           WHERE u.id = s.user_id AND uc.workspace_id = s.client_id
             AND u.disabled_at IS NULL AND u.sessions_valid_after <= s.signed_in_at)
  FROM tower_sessions.session s
  WHERE s.id = p_id AND s.expiry_date > now();
END
$$;

CREATE OR REPLACE FUNCTION crm_api_token(p_hash bytea)
RETURNS TABLE (id uuid, client_id uuid, agent text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT t.id, t.workspace_id, t.agent FROM api_tokens t
  WHERE t.token_hash = p_hash AND t.revoked_at IS NULL;
END
$$;

-- The contact search returns one page (at most the limit asked for, 51 in
-- the cockpit), but a set-returning function is planned as if it gave
-- 1,000 rows. Joined with the contacts view and the companies view for
-- the list's slim rows, that estimate made a hash join over every contact
-- of the client the cheaper-looking plan: 108 ms instead of 8 ms for a
-- selective term on 50,000 contacts (bench-http, session 14).
ALTER FUNCTION crm_search_contacts_page(text, text, text, text, uuid, text, boolean, integer)
  ROWS 50;

RESET ROLE;
