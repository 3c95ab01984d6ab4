-- The integrations registry: each outside API a client uses (Resend, the
-- model provider, the enrichment provider, mailbox and calendar servers,
-- Twenty), where it is, which secret it uses (named, never shown), its
-- rate limit, and how its last calls went. Arlo registers a provider the
-- first time it uses one and looks it up before every call, so an admin's
-- change to its address or key is the next call's, without a restart.

SET LOCAL ROLE redkey_owner;

CREATE TABLE api_library (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  provider text NOT NULL
    CHECK (provider IN ('resend', 'anthropic', 'apollo', 'pdl', 'imap', 'caldav', 'twenty')),
  -- Which use of the provider: 'model', 'enrichment', 'email', a source's name.
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  base_url text NOT NULL CHECK (base_url ~ '^(https?|imaps?)://' AND length(base_url) <= 500),
  -- Where its credential comes from, in words: an environment variable's
  -- name, a source's stored credential, or the key sealed here.
  secret_ref text NOT NULL CHECK (length(secret_ref) <= 200),
  -- A key an admin set here (sealed with REDKEY_SECRET_KEY, bound to the
  -- row's id): used instead of the configured one. No serving role reads
  -- this column except through crm_api_use.
  sealed_key bytea,
  key_set_at timestamptz,
  rate_per_minute integer CHECK (rate_per_minute > 0),
  -- An admin set the rate: the configuration's no longer replaces it.
  rate_set_here boolean NOT NULL DEFAULT false,
  last_success_at timestamptz,
  last_error_at timestamptz,
  last_error text CHECK (length(last_error) <= 300),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, provider, name)
);

-- One row per call, a week long: the error rate is counted from it.
CREATE TABLE api_calls (
  library_id uuid NOT NULL REFERENCES api_library (id) ON DELETE CASCADE,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  ok boolean NOT NULL
);
CREATE INDEX api_calls_by_library ON api_calls (library_id, at);

CREATE VIEW crm_api_library AS
SELECT l.id, l.workspace_id AS client_id, l.provider, l.name, l.base_url, l.secret_ref,
       l.sealed_key IS NOT NULL AS key_set_here, l.key_set_at, l.rate_per_minute,
       l.last_success_at, l.last_error_at, l.last_error,
       coalesce(c.calls, 0) AS calls_24h, coalesce(c.errors, 0) AS errors_24h,
       l.created_at, l.updated_at
FROM api_library l
LEFT JOIN LATERAL (
  SELECT count(*) AS calls, count(*) FILTER (WHERE NOT ok) AS errors
  FROM api_calls a WHERE a.library_id = l.id AND a.at > now() - interval '24 hours'
) c ON true
WHERE l.workspace_id = redkey_client_id();

-- Arlo, before a call: registers the provider's use once (what the
-- configuration says), then answers what to call now: the address, the
-- key an admin set (if any) and the pace to keep.
CREATE FUNCTION crm_api_use(p_provider text, p_name text, p_base_url text, p_secret_ref text,
                            p_rate integer)
RETURNS TABLE (id uuid, base_url text, sealed_key bytea, rate_per_minute integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- Once registered, a call reads and writes nothing more, unless the
  -- configuration changed what it says (an admin's key and rate stay).
  UPDATE api_library l
  SET secret_ref = CASE WHEN l.sealed_key IS NULL THEN p_secret_ref ELSE l.secret_ref END,
      rate_per_minute = CASE WHEN l.rate_set_here THEN l.rate_per_minute ELSE p_rate END,
      updated_at = now()
  WHERE l.workspace_id = redkey_client_id() AND l.provider = p_provider AND l.name = p_name
    AND ((l.sealed_key IS NULL AND l.secret_ref IS DISTINCT FROM p_secret_ref)
         OR (NOT l.rate_set_here AND l.rate_per_minute IS DISTINCT FROM p_rate));
  INSERT INTO api_library (workspace_id, provider, name, base_url, secret_ref, rate_per_minute)
  VALUES (redkey_client_id(), p_provider, p_name, p_base_url, p_secret_ref, p_rate)
  ON CONFLICT ON CONSTRAINT api_library_workspace_id_provider_name_key DO NOTHING;
  RETURN QUERY
    SELECT l.id, l.base_url, l.sealed_key, l.rate_per_minute FROM api_library l
    WHERE l.workspace_id = redkey_client_id() AND l.provider = p_provider AND l.name = p_name;
END
$$;

-- Arlo, after a call: how it went.
CREATE FUNCTION crm_api_called(p_id uuid, p_ok boolean, p_error text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE api_library
  SET last_success_at = CASE WHEN p_ok THEN now() ELSE last_success_at END,
      last_error_at = CASE WHEN p_ok THEN last_error_at ELSE now() END,
      last_error = CASE WHEN p_ok THEN last_error ELSE left(p_error, 300) END
  WHERE id = p_id AND workspace_id = redkey_client_id();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such integration' USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO api_calls (library_id, workspace_id, ok) VALUES (p_id, redkey_client_id(), p_ok);
  DELETE FROM api_calls WHERE library_id = p_id AND at < now() - interval '7 days';
END
$$;

-- An admin changes where a provider is, its rate limit (NULL: the
-- configured one again) or its key (a sealed key, or NULL with p_clear_key
-- to go back to the configured one).
CREATE FUNCTION crm_set_api(p_id uuid, p_base_url text, p_rate integer, p_sealed bytea,
                            p_clear_key boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT redkey_is_admin() THEN
    RAISE EXCEPTION 'only an admin of this client changes its integrations'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (p_sealed IS NOT NULL OR p_base_url IS DISTINCT FROM
        (SELECT base_url FROM api_library WHERE id = p_id AND workspace_id = redkey_client_id()))
     AND (SELECT provider FROM api_library WHERE id = p_id AND workspace_id = redkey_client_id())
         IN ('imap', 'caldav') THEN
    RAISE EXCEPTION 'a mailbox''s or calendar''s address and credential are changed under Sources'
      USING ERRCODE = 'RK002';
  END IF;
  UPDATE api_library
  SET base_url = p_base_url, rate_per_minute = p_rate, rate_set_here = p_rate IS NOT NULL,
      updated_at = now(),
      sealed_key = CASE WHEN p_clear_key THEN NULL ELSE coalesce(p_sealed, sealed_key) END,
      key_set_at = CASE WHEN p_clear_key THEN NULL
                        WHEN p_sealed IS NOT NULL THEN now() ELSE key_set_at END,
      secret_ref = CASE WHEN p_sealed IS NOT NULL THEN 'a key set in Settings'
                        ELSE secret_ref END
  WHERE id = p_id AND workspace_id = redkey_client_id();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such integration' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

RESET ROLE;

SELECT redkey_isolate('api_library', 'api_calls');

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_api_library', 'id', 'system', false, false),
  ('crm_api_library', 'client_id', 'system', false, false),
  ('crm_api_library', 'provider', 'system', false, false),
  ('crm_api_library', 'name', 'system', false, false),
  ('crm_api_library', 'base_url', 'system', false, false),
  ('crm_api_library', 'secret_ref', 'system', false, false),
  ('crm_api_library', 'key_set_here', 'system', false, false),
  ('crm_api_library', 'key_set_at', 'system', false, false),
  ('crm_api_library', 'rate_per_minute', 'system', false, false),
  ('crm_api_library', 'last_success_at', 'system', false, false),
  ('crm_api_library', 'last_error_at', 'system', false, false),
  ('crm_api_library', 'last_error', 'system', false, false),
  ('crm_api_library', 'calls_24h', 'system', false, false),
  ('crm_api_library', 'errors_24h', 'system', false, false),
  ('crm_api_library', 'created_at', 'system', false, false),
  ('crm_api_library', 'updated_at', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_api_use(text,text,text,text,integer)', 'redkey_agent'),
  ('crm_api_called(uuid,boolean,text)', 'redkey_agent'),
  ('crm_set_api(uuid,text,integer,bytea,boolean)', 'redkey_human');
SELECT redkey_apply_grants();
