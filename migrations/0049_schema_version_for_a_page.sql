-- The schema version a page shows (Settings → Onboarding) read inside the
-- page's own transaction: a second transaction as the login role held a
-- second connection for the page's whole render, and behind a pooler with
-- few server sessions the page waited for itself.

SET LOCAL ROLE redkey_owner;

CREATE FUNCTION crm_schema_version() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(max(version), 0) FROM _sqlx_migrations WHERE success;
$$;

RESET ROLE;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_schema_version()', 'redkey_human');
SELECT redkey_apply_grants();
