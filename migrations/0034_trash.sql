-- The trash: what was archived (soft-deleted), restorable through
-- crm_restore until arlo's timer purges it for good after the configured
-- time. Purging removes the row and what only it gave meaning to (its
-- links, search document, enrichment lookups, sequence history), and
-- keeps what stands on its own (activities lose the link, deals their
-- contact or company). A contact with an email still on its way (pending
-- or in review) waits for the next purge: an outbox row is never dropped
-- while it may still be sent.

SET LOCAL ROLE redkey_owner;

CREATE VIEW crm_trash AS
SELECT 'contact'::text AS kind, id, workspace_id AS client_id,
       coalesce(nullif(btrim(name_first_name || ' ' || name_last_name), ''),
                emails_primary_email::text, '(no name)') AS label,
       deleted_at
FROM people WHERE deleted_at IS NOT NULL AND workspace_id = redkey_client_id()
UNION ALL
SELECT 'company', id, workspace_id, name, deleted_at
FROM companies WHERE deleted_at IS NOT NULL AND workspace_id = redkey_client_id()
UNION ALL
SELECT 'deal', id, workspace_id, name, deleted_at
FROM opportunities WHERE deleted_at IS NOT NULL AND workspace_id = redkey_client_id()
UNION ALL
SELECT 'note', id, workspace_id, coalesce(nullif(title, ''), left(body_v2_markdown, 80)), deleted_at
FROM notes WHERE deleted_at IS NOT NULL AND workspace_id = redkey_client_id()
UNION ALL
SELECT 'attachment', id, workspace_id, name, deleted_at
FROM attachments WHERE deleted_at IS NOT NULL AND workspace_id = redkey_client_id()
UNION ALL
SELECT 'todo', id, workspace_id, title, deleted_at
FROM todos WHERE deleted_at IS NOT NULL AND workspace_id = redkey_client_id();

-- Deletes for good what the current client archived before p_before;
-- returns how many records went.
CREATE FUNCTION crm_purge_trash(p_before timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n integer := 0;
  c integer;
  gone uuid[];
BEGIN
  SELECT coalesce(array_agg(id), '{}') INTO gone FROM todos
  WHERE deleted_at < p_before AND workspace_id = redkey_client_id();
  DELETE FROM todo_targets WHERE todo_id = ANY (gone);
  DELETE FROM todos WHERE id = ANY (gone);
  n := n + cardinality(gone);

  SELECT coalesce(array_agg(id), '{}') INTO gone FROM notes
  WHERE deleted_at < p_before AND workspace_id = redkey_client_id();
  DELETE FROM note_targets WHERE note_id = ANY (gone);
  DELETE FROM notes WHERE id = ANY (gone);
  n := n + cardinality(gone);

  SELECT coalesce(array_agg(id), '{}') INTO gone FROM attachments
  WHERE deleted_at < p_before AND workspace_id = redkey_client_id();
  DELETE FROM attachment_targets WHERE attachment_id = ANY (gone);
  DELETE FROM attachments WHERE id = ANY (gone);
  n := n + cardinality(gone);

  SELECT coalesce(array_agg(id), '{}') INTO gone FROM opportunities
  WHERE deleted_at < p_before AND workspace_id = redkey_client_id();
  DELETE FROM note_targets WHERE target_opportunity_id = ANY (gone);
  DELETE FROM attachment_targets WHERE target_opportunity_id = ANY (gone);
  DELETE FROM todo_targets WHERE target_opportunity_id = ANY (gone);
  UPDATE activities SET opportunity_id = NULL WHERE opportunity_id = ANY (gone);
  DELETE FROM opportunities WHERE id = ANY (gone);
  n := n + cardinality(gone);

  SELECT coalesce(array_agg(p.id), '{}') INTO gone FROM people p
  WHERE p.deleted_at < p_before AND p.workspace_id = redkey_client_id()
    AND NOT EXISTS (SELECT 1 FROM email_sends s
                    WHERE s.person_id = p.id AND s.status IN ('pending', 'review'));
  DELETE FROM note_targets WHERE target_person_id = ANY (gone);
  DELETE FROM attachment_targets WHERE target_person_id = ANY (gone);
  DELETE FROM todo_targets WHERE target_person_id = ANY (gone);
  UPDATE activities SET person_id = NULL WHERE person_id = ANY (gone);
  UPDATE opportunities SET point_of_contact_id = NULL WHERE point_of_contact_id = ANY (gone);
  DELETE FROM send_resolutions WHERE send_id IN (SELECT id FROM email_sends WHERE person_id = ANY (gone));
  DELETE FROM email_sends WHERE person_id = ANY (gone);
  DELETE FROM sequence_contacts WHERE person_id = ANY (gone);
  DELETE FROM enrichment_lookups WHERE person_id = ANY (gone);
  DELETE FROM contact_search WHERE person_id = ANY (gone);
  DELETE FROM people WHERE id = ANY (gone);
  n := n + cardinality(gone);

  SELECT coalesce(array_agg(id), '{}') INTO gone FROM companies
  WHERE deleted_at < p_before AND workspace_id = redkey_client_id();
  DELETE FROM note_targets WHERE target_company_id = ANY (gone);
  DELETE FROM attachment_targets WHERE target_company_id = ANY (gone);
  DELETE FROM todo_targets WHERE target_company_id = ANY (gone);
  UPDATE activities SET company_id = NULL WHERE company_id = ANY (gone);
  UPDATE opportunities SET company_id = NULL WHERE company_id = ANY (gone);
  UPDATE people SET company_id = NULL WHERE company_id = ANY (gone);
  DELETE FROM companies WHERE id = ANY (gone);
  n := n + cardinality(gone);
  RETURN n;
END
$$;

RESET ROLE;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_trash', 'kind', 'system', false, false),
  ('crm_trash', 'id', 'system', false, false),
  ('crm_trash', 'client_id', 'system', false, false),
  ('crm_trash', 'label', 'system', false, false),
  ('crm_trash', 'deleted_at', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_purge_trash(timestamp with time zone)', 'redkey_agent');
SELECT redkey_apply_grants();
