-- Sequence enrolments and email sends of an attached client point at
-- Twenty's people. As activities (0004), they live in copies of the main
-- tables without the foreign keys into RedKey's people: each reference is
-- checked against the client's workspace instead. Their views and the
-- functions that write them are the main ones, derived here from the main
-- definitions and bound to the copies (by the path a view is made under,
-- and by each function's own search path), so the contract cannot drift
-- by hand. The purge takes a Twenty person's sends and enrolments along,
-- and keeps a person whose send is still under way, as the main one does.

SET LOCAL ROLE redkey_owner;

CREATE TABLE redkey_twenty.sequence_contacts (LIKE public.sequence_contacts INCLUDING ALL);
ALTER TABLE redkey_twenty.sequence_contacts
  ADD FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
  ADD FOREIGN KEY (workspace_id, sequence_id) REFERENCES sequences (workspace_id, id);
CREATE TABLE redkey_twenty.email_sends (LIKE public.email_sends INCLUDING ALL);
ALTER TABLE redkey_twenty.email_sends
  ADD FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
  ADD FOREIGN KEY (workspace_id, enrollment_id)
    REFERENCES redkey_twenty.sequence_contacts (workspace_id, id);
CREATE TABLE redkey_twenty.send_resolutions (LIKE public.send_resolutions INCLUDING ALL);
ALTER TABLE redkey_twenty.send_resolutions
  ADD FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
  ADD FOREIGN KEY (workspace_id, send_id) REFERENCES redkey_twenty.email_sends (workspace_id, id);

CREATE TRIGGER references_in_workspace BEFORE INSERT OR UPDATE OF person_id
  ON redkey_twenty.sequence_contacts
  FOR EACH ROW EXECUTE FUNCTION redkey_twenty.references_in_workspace();
CREATE TRIGGER references_in_workspace BEFORE INSERT OR UPDATE OF person_id
  ON redkey_twenty.email_sends
  FOR EACH ROW EXECUTE FUNCTION redkey_twenty.references_in_workspace();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON redkey_twenty.sequence_contacts
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();

DO $$
DECLARE
  v text;
  defs text[] := '{}';
  f text;
  def text;
BEGIN
  -- Read under the migration's own path, where the main tables print
  -- unqualified; made under the adapter's, where those names are the copies.
  FOREACH v IN ARRAY ARRAY['crm_sequence_contacts', 'crm_email_sends', 'crm_send_resolutions'] LOOP
    defs := defs || format('CREATE VIEW redkey_twenty.%I AS %s%s', v,
      rtrim(pg_get_viewdef(format('public.%I', v)::regclass), ';'),
      (SELECT CASE WHEN 'check_option=cascaded' = ANY (c.reloptions)
                   THEN ' WITH CASCADED CHECK OPTION' ELSE '' END
       FROM pg_class c WHERE c.oid = format('public.%I', v)::regclass));
  END LOOP;
  FOREACH f IN ARRAY ARRAY['crm_resolve_send(uuid,text,text)', 'crm_send_draft(uuid)'] LOOP
    def := pg_get_functiondef(format('public.%s', f)::regprocedure);
    IF position('SET search_path TO ''public'', ''pg_temp''' IN def) = 0 THEN
      RAISE EXCEPTION '% no longer pins its search path as expected', f;
    END IF;
    defs := defs || replace(replace(def, 'CREATE OR REPLACE FUNCTION public.', 'CREATE FUNCTION redkey_twenty.'),
                            'SET search_path TO ''public'', ''pg_temp''',
                            'SET search_path TO ''redkey_twenty'', ''public'', ''pg_temp''');
  END LOOP;
  PERFORM set_config('search_path', 'redkey_twenty, public', true);
  FOREACH def IN ARRAY defs LOOP
    EXECUTE def;
  END LOOP;
  PERFORM set_config('search_path', 'public', true);
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.crm_resolve_send(uuid, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_twenty.crm_send_draft(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_resolve_send(uuid, text, text) TO redkey_human;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_send_draft(uuid) TO redkey_human;

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
    IF t = 'person' THEN
      -- As the main purge: a person with a send still under way stays.
      gone := ARRAY(SELECT g FROM unnest(gone) g WHERE NOT EXISTS (
        SELECT 1 FROM redkey_twenty.email_sends s
        WHERE s.person_id = g AND s.status IN ('pending', 'review')));
    END IF;
    CONTINUE WHEN cardinality(gone) = 0;
    CASE t
      WHEN 'opportunity' THEN
        UPDATE redkey_twenty.activities SET opportunity_id = NULL WHERE opportunity_id = ANY (gone);
      WHEN 'person' THEN
        UPDATE redkey_twenty.activities SET person_id = NULL WHERE person_id = ANY (gone);
        DELETE FROM redkey_twenty.enrichment_lookups WHERE person_id = ANY (gone);
        -- As the main purge: a person's sends and enrolments go with them.
        DELETE FROM redkey_twenty.send_resolutions WHERE send_id IN
          (SELECT id FROM redkey_twenty.email_sends WHERE person_id = ANY (gone));
        DELETE FROM redkey_twenty.email_sends WHERE person_id = ANY (gone);
        DELETE FROM redkey_twenty.sequence_contacts WHERE person_id = ANY (gone);
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

SELECT redkey_grant_views('redkey_twenty');
RESET ROLE;
SELECT redkey_isolate('redkey_twenty.sequence_contacts', 'redkey_twenty.email_sends',
                      'redkey_twenty.send_resolutions');
