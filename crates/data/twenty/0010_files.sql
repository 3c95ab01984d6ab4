-- Files of an attached client are Twenty's attachments, each on its one
-- record (the views crm_attachments and crm_attachment_targets are
-- generated over the same rows). What Twenty has no column for (the size,
-- the type sniffed from the bytes, the RedKey member who uploaded it) is
-- kept beside each row. Archiving, the trash and the purge take Twenty's
-- attachments in place of RedKey's own files table.

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

CREATE OR REPLACE FUNCTION redkey_twenty.crm_purge_trash(p_before timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := redkey_client_id();
  ws text := redkey_twenty.workspace_of_client();
  n integer;
  gone uuid[];
  t text;
BEGIN
  -- RedKey's own archived rows.
  n := public.crm_purge_trash(p_before);
  IF ws IS NULL THEN
    RETURN n;
  END IF;
  FOREACH t IN ARRAY ARRAY['attachment', 'task', 'note', 'opportunity', 'person', 'company'] LOOP
    EXECUTE format('SELECT coalesce(array_agg(id), ''{}'') FROM %I.%I WHERE "deletedAt" < $1', ws, t)
      INTO gone USING p_before;
    CONTINUE WHEN cardinality(gone) = 0;
    CASE t
      WHEN 'opportunity' THEN
        UPDATE redkey_twenty.activities SET opportunity_id = NULL WHERE opportunity_id = ANY (gone);
      WHEN 'person' THEN
        UPDATE redkey_twenty.activities SET person_id = NULL WHERE person_id = ANY (gone);
        DELETE FROM redkey_twenty.enrichment_lookups WHERE person_id = ANY (gone);
      WHEN 'company' THEN
        UPDATE redkey_twenty.activities SET company_id = NULL WHERE company_id = ANY (gone);
      ELSE
    END CASE;
    EXECUTE format('DELETE FROM %I.%I WHERE id = ANY ($1)', ws, t) USING gone;
    DELETE FROM redkey_twenty.person_ext WHERE t = 'person' AND workspace_id = client AND id = ANY (gone);
    DELETE FROM redkey_twenty.company_ext WHERE t = 'company' AND workspace_id = client AND id = ANY (gone);
    DELETE FROM redkey_twenty.opportunity_ext
      WHERE t = 'opportunity' AND workspace_id = client AND id = ANY (gone);
    DELETE FROM redkey_twenty.task_ext WHERE t = 'task' AND workspace_id = client AND id = ANY (gone);
    DELETE FROM redkey_twenty.attachment_ext
      WHERE t = 'attachment' AND workspace_id = client AND id = ANY (gone);
    n := n + cardinality(gone);
  END LOOP;
  RETURN n;
END
$$;

RESET ROLE;
