-- Archiving, the trash and its purge for an attached client. Twenty's own
-- soft delete is `deletedAt`, so a record archived in the cockpit is in
-- Twenty's trash too, and one Twenty deleted is in the cockpit's: one
-- trash, restorable from either side. The purge (arlo's, after the
-- configured time) deletes Twenty's row for good, as Twenty's own
-- "permanently delete" does (its foreign keys drop the row's links), and
-- our rows beside it: what stands on its own (an activity) only loses
-- the link.

SET LOCAL ROLE redkey_owner;

-- Twenty's table of an archivable kind, or NULL for kinds kept in
-- RedKey's own tables (activities and files).
CREATE FUNCTION redkey_twenty.table_of(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_kind WHEN 'contact' THEN 'person' WHEN 'company' THEN 'company'
                     WHEN 'deal' THEN 'opportunity' WHEN 'note' THEN 'note'
                     WHEN 'todo' THEN 'task' END;
$$;

CREATE FUNCTION redkey_twenty.workspace_of_client() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT workspace_schema FROM redkey_twenty.attachments WHERE workspace_id = redkey_client_id();
$$;

-- Sets or clears a record's archived time: Twenty's `deletedAt`, or the
-- adapter's own activities' `deleted_at`; other kinds as the main tables.
CREATE FUNCTION redkey_twenty.set_archived(p_kind text, p_id uuid, p_archive boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t text := redkey_twenty.table_of(p_kind);
  ws text := redkey_twenty.workspace_of_client();
  n integer;
  clash boolean;
BEGIN
  IF p_kind = 'activity' THEN
    UPDATE redkey_twenty.activities SET deleted_at = CASE WHEN p_archive THEN now() END
    WHERE id = p_id AND (deleted_at IS NULL) = p_archive;
  ELSIF t IS NULL THEN
    IF p_archive THEN
      PERFORM public.crm_archive(p_kind, p_id);
    ELSE
      PERFORM public.crm_restore(p_kind, p_id);
    END IF;
    RETURN;
  ELSIF ws IS NOT NULL THEN
    -- A restored contact's email may have been taken meanwhile: the same
    -- conflict as the main table's, before Twenty's own index says so.
    IF t = 'person' AND NOT p_archive THEN
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %1$I.person p JOIN %1$I.person o
                        ON lower(o."emailsPrimaryEmail"::text) = lower(p."emailsPrimaryEmail"::text)
                      WHERE p.id = $1 AND p."deletedAt" IS NOT NULL AND p."emailsPrimaryEmail" <> ''''
                        AND o.id <> p.id AND o."deletedAt" IS NULL)', ws)
        INTO clash USING p_id;
      IF clash THEN
        RAISE EXCEPTION 'duplicate email' USING ERRCODE = '23505',
          CONSTRAINT = 'people_primary_email_unique';
      END IF;
    END IF;
    EXECUTE format('UPDATE %I.%I SET "deletedAt" = CASE WHEN $2 THEN now() END, "updatedAt" = now()
                    WHERE id = $1 AND ("deletedAt" IS NULL) = $2', ws, t)
      USING p_id, p_archive;
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF ws IS NULL OR n = 0 THEN
    RAISE EXCEPTION '% not found', p_kind USING ERRCODE = 'no_data_found';
  END IF;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.set_archived(text, uuid, boolean) FROM PUBLIC;

CREATE FUNCTION redkey_twenty.crm_archive(p_kind text, p_id uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT redkey_twenty.set_archived(p_kind, p_id, true);
$$;

CREATE FUNCTION redkey_twenty.crm_restore(p_kind text, p_id uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT redkey_twenty.set_archived(p_kind, p_id, false);
$$;

-- The trash's rows: Twenty's archived records and RedKey's archived files.
CREATE FUNCTION redkey_twenty.trash_rows()
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
       FROM %1$I.task WHERE "deletedAt" IS NOT NULL', ws) USING redkey_client_id();
  RETURN QUERY SELECT 'attachment'::text, a.id, a.workspace_id, a.name, a.deleted_at
    FROM attachments a WHERE a.deleted_at IS NOT NULL AND a.workspace_id = redkey_client_id();
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.trash_rows() FROM PUBLIC;
-- A view's functions run as its reader: the roles that may read the trash.
GRANT EXECUTE ON FUNCTION redkey_twenty.trash_rows() TO redkey_human, redkey_agent, redkey_engine;

CREATE VIEW redkey_twenty.crm_trash AS
SELECT kind, id, client_id, label, deleted_at FROM redkey_twenty.trash_rows();

-- Deletes for good what the current client archived before p_before.
CREATE FUNCTION redkey_twenty.crm_purge_trash(p_before timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := redkey_client_id();
  ws text := redkey_twenty.workspace_of_client();
  n integer;
  gone uuid[];
  t text;
BEGIN
  -- RedKey's own archived rows (files).
  n := public.crm_purge_trash(p_before);
  IF ws IS NULL THEN
    RETURN n;
  END IF;
  FOREACH t IN ARRAY ARRAY['task', 'note', 'opportunity', 'person', 'company'] LOOP
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
    n := n + cardinality(gone);
  END LOOP;
  RETURN n;
END
$$;

-- A reference is checked when it is set or changed, as a foreign key is:
-- purging a record clears the links to it from rows whose other links
-- may point at records that are archived meanwhile.
CREATE OR REPLACE FUNCTION redkey_twenty.references_in_workspace() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  row jsonb := to_jsonb(NEW);
  before jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) ELSE '{}' END;
  ws text;
  found boolean;
  r record;
BEGIN
  SELECT workspace_schema INTO ws FROM redkey_twenty.attachments WHERE workspace_id = NEW.workspace_id;
  FOR r IN SELECT v.tab, (row ->> v.col)::uuid AS ref
           FROM (VALUES ('person', 'person_id'), ('company', 'company_id'),
                        ('opportunity', 'opportunity_id')) v(tab, col)
           WHERE row ->> v.col IS NOT NULL AND row ->> v.col IS DISTINCT FROM before ->> v.col LOOP
    found := false;
    IF ws IS NOT NULL THEN
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE id = $1 AND "deletedAt" IS NULL)',
                     ws, r.tab) INTO found USING r.ref;
    END IF;
    IF NOT found THEN
      RAISE EXCEPTION 'no such % in this workspace', r.tab
        USING ERRCODE = '23503', CONSTRAINT = format('%s_%s_fkey', TG_TABLE_NAME, r.tab);
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;

REVOKE ALL ON FUNCTION redkey_twenty.workspace_of_client() FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_twenty.crm_archive(text, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_twenty.crm_restore(text, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_twenty.crm_purge_trash(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_archive(text, uuid) TO redkey_human;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_restore(text, uuid) TO redkey_human;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_purge_trash(timestamptz) TO redkey_agent;

SELECT redkey_grant_views('redkey_twenty');
