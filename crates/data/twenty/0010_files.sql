-- Files of an attached client are Twenty's attachments, each on its one
-- record (the views crm_attachments and crm_attachment_targets are
-- generated over the same rows). What Twenty has no column for (the size,
-- the type sniffed from the bytes, the RedKey member who uploaded it) is
-- kept beside each row. Archiving and the trash take Twenty's attachments
-- in place of RedKey's own files table (the purge: 0012).

SET LOCAL ROLE redkey_owner;

CREATE TABLE redkey_twenty.attachment_ext (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  id uuid NOT NULL,
  size_bytes bigint CHECK (size_bytes >= 0),
  content_type text CHECK (length(content_type) <= 200),
  uploaded_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, uploaded_by) REFERENCES workspace_members (workspace_id, id)
);
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON redkey_twenty.attachment_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();

CREATE OR REPLACE FUNCTION redkey_twenty.table_of(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_kind WHEN 'contact' THEN 'person' WHEN 'company' THEN 'company'
                     WHEN 'deal' THEN 'opportunity' WHEN 'note' THEN 'note'
                     WHEN 'todo' THEN 'task' WHEN 'attachment' THEN 'attachment' END;
$$;

-- The trash's rows: Twenty's archived records and files.
CREATE OR REPLACE FUNCTION redkey_twenty.trash_rows()
RETURNS TABLE (kind text, id uuid, client_id uuid, label text, deleted_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ws text := redkey_twenty.workspace_of_client();
BEGIN
  IF ws IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT ''contact''::text, id, $1, coalesce(nullif(btrim(coalesce("nameFirstName", '''') || '' '' ||
            coalesce("nameLastName", '''')), ''''), nullif("emailsPrimaryEmail", ''''), ''(no name)''),
            "deletedAt" FROM %1$I.person WHERE "deletedAt" IS NOT NULL
     UNION ALL SELECT ''company'', id, $1, coalesce(name, ''''), "deletedAt"
       FROM %1$I.company WHERE "deletedAt" IS NOT NULL
     UNION ALL SELECT ''deal'', id, $1, coalesce(name, ''''), "deletedAt"
       FROM %1$I.opportunity WHERE "deletedAt" IS NOT NULL
     UNION ALL SELECT ''note'', id, $1, coalesce(nullif(title, ''''), left("bodyV2Markdown", 80)),
                      "deletedAt" FROM %1$I.note WHERE "deletedAt" IS NOT NULL
     UNION ALL SELECT ''todo'', id, $1, coalesce(title, ''''), "deletedAt"
       FROM %1$I.task WHERE "deletedAt" IS NOT NULL
     UNION ALL SELECT ''attachment'', id, $1, coalesce(name, ''''), "deletedAt"
       FROM %1$I.attachment WHERE "deletedAt" IS NOT NULL', ws) USING redkey_client_id();
END
$$;

RESET ROLE;
