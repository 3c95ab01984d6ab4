-- Sending state every server instance must share: a client's pauses
-- (Resend said its quota ran out), so all instances stop, not only the one
-- told, and the cockpit can say why and until when; and the client's next
-- request slot, so the configured rate holds for the account, not per
-- process.

SET LOCAL ROLE redkey_owner;

CREATE TABLE email_pauses (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  paused_until timestamptz NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_pauses_until ON email_pauses (workspace_id, paused_until DESC);

CREATE TABLE email_pace (
  workspace_id uuid PRIMARY KEY
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  next_slot timestamptz NOT NULL
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['email_pauses', 'email_pace'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY client_isolation ON %I TO PUBLIC
      USING (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)
      WITH CHECK (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)$p$, t);
  END LOOP;
END
$$;

CREATE VIEW crm_email_pace AS
SELECT workspace_id AS client_id, next_slot
FROM email_pace
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_email_pauses AS
SELECT id, workspace_id AS client_id, paused_until, reason, created_at
FROM email_pauses
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_email_pauses', 'id', 'system', false, false),
  ('crm_email_pauses', 'client_id', 'system', false, false),
  ('crm_email_pauses', 'paused_until', 'operational', true, false),
  ('crm_email_pauses', 'reason', 'operational', true, false),
  ('crm_email_pauses', 'created_at', 'system', false, false),
  ('crm_email_pace', 'client_id', 'system', false, false),
  ('crm_email_pace', 'next_slot', 'operational', true, true);
SELECT redkey_apply_grants();
