-- A client's sending pauses (Resend said its quota ran out): stored, so
-- every server instance stops, not only the one that was told, and the
-- cockpit can say why and until when.

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

ALTER TABLE email_pauses ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_pauses FORCE ROW LEVEL SECURITY;
CREATE POLICY client_isolation ON email_pauses TO PUBLIC
  USING (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)
  WITH CHECK (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid);

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
  ('crm_email_pauses', 'created_at', 'system', false, false);
SELECT redkey_apply_grants();
