-- Ingestion sources, per client: website forms, the meeting-notes webhook
-- (Quill), and later mailboxes and calendars. Settings are plain JSON;
-- credentials are sealed by the server's secret store before they arrive
-- here, never readable through the view (it says only whether one is
-- set), and read back only by arlo through a function.

SET LOCAL ROLE redkey_owner;

CREATE TABLE ingest_sources (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  kind text NOT NULL CHECK (kind IN ('form', 'quill', 'imap', 'caldav')),
  name text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
  -- What public URLs carry (a form's key): the client's id in hex, then
  -- 192 random bits, so the key names its client like an unsubscribe
  -- token does.
  public_key text UNIQUE CHECK (public_key ~ '^[0-9a-f]{32}[A-Za-z0-9_-]{32}$'),
  settings jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
  secret bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, id)
);
CREATE UNIQUE INDEX ingest_sources_one_quill ON ingest_sources (workspace_id) WHERE kind = 'quill';
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON ingest_sources
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();

-- Webhook deliveries seen, so a replay is recognised.
CREATE TABLE ingest_deliveries (
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  source_id uuid NOT NULL,
  delivery_id text NOT NULL CHECK (length(delivery_id) BETWEEN 1 AND 200),
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, source_id, delivery_id),
  FOREIGN KEY (workspace_id, source_id) REFERENCES ingest_sources (workspace_id, id)
);

CREATE VIEW crm_sources AS
SELECT id, workspace_id AS client_id, kind, name, public_key, settings,
       secret IS NOT NULL AS has_secret, created_at, updated_at
FROM ingest_sources
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_ingest_deliveries AS
SELECT workspace_id AS client_id, source_id, delivery_id, received_at
FROM ingest_deliveries
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

-- Sets (or clears) a source's sealed credential.
CREATE FUNCTION crm_set_source_secret(p_source uuid, p_sealed bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE ingest_sources SET secret = p_sealed
  WHERE id = p_source AND workspace_id = redkey_client_id();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such source' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

-- A source's sealed credential, for arlo's use only.
CREATE FUNCTION crm_source_secret(p_source uuid) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT secret FROM ingest_sources WHERE id = p_source AND workspace_id = redkey_client_id()
$$;

RESET ROLE;

SELECT redkey_isolate('ingest_sources', 'ingest_deliveries');

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_sources', 'id', 'system', false, false),
  ('crm_sources', 'client_id', 'system', false, false),
  ('crm_sources', 'kind', 'identity', true, false),
  ('crm_sources', 'name', 'identity', true, true),
  ('crm_sources', 'public_key', 'identity', true, false),
  ('crm_sources', 'settings', 'identity', true, true),
  ('crm_sources', 'has_secret', 'system', false, false),
  ('crm_sources', 'created_at', 'system', false, false),
  ('crm_sources', 'updated_at', 'system', false, false),
  ('crm_ingest_deliveries', 'client_id', 'system', false, false),
  ('crm_ingest_deliveries', 'source_id', 'operational', true, false),
  ('crm_ingest_deliveries', 'delivery_id', 'operational', true, false),
  ('crm_ingest_deliveries', 'received_at', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_set_source_secret(uuid,bytea)', 'redkey_human'),
  ('crm_set_source_secret(uuid,bytea)', 'redkey_agent'),
  ('crm_source_secret(uuid)', 'redkey_agent');
SELECT redkey_apply_grants();
