-- Files: what the cockpit needs beside Twenty's attachment columns — the
-- size, the type sniffed from the bytes (never the browser's claim), and
-- who uploaded it. `full_path` is the storage key, never a public URL:
-- files are served only through the cockpit, to members of the client.

SET LOCAL ROLE redkey_owner;

ALTER TABLE attachments
  ADD COLUMN size_bytes bigint CHECK (size_bytes >= 0),
  ADD COLUMN content_type text CHECK (length(content_type) <= 200),
  ADD COLUMN uploaded_by uuid,
  ADD FOREIGN KEY (workspace_id, uploaded_by) REFERENCES workspace_members (workspace_id, id);
CREATE INDEX attachment_targets_person ON attachment_targets (workspace_id, target_person_id)
  WHERE target_person_id IS NOT NULL;
CREATE INDEX attachment_targets_company ON attachment_targets (workspace_id, target_company_id)
  WHERE target_company_id IS NOT NULL;
CREATE INDEX attachment_targets_opportunity ON attachment_targets (workspace_id, target_opportunity_id)
  WHERE target_opportunity_id IS NOT NULL;

CREATE OR REPLACE VIEW crm_attachments AS
SELECT id, workspace_id AS client_id, name, full_path, file_category,
       created_by_source, created_at, updated_at, size_bytes, content_type, uploaded_by
FROM attachments
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

RESET ROLE;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_attachments', 'size_bytes', 'identity', true, false),
  ('crm_attachments', 'content_type', 'identity', true, false),
  ('crm_attachments', 'uploaded_by', 'identity', true, false);
SELECT redkey_apply_grants();
