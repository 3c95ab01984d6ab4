-- Erasure and one-click unsubscribe for an attached client, whose people
-- are Twenty's. The main functions know RedKey's own people only: the
-- unsubscribe (run before any client is chosen, so under the main search
-- path) stopped a Twenty person's enrolment only when its next step came
-- up, and an erasure left the Twenty person, their notes, tasks, files
-- and timeline, and the adapter's rows about them.

SET LOCAL ROLE redkey_owner;

-- A new unsubscribe stops the client's enrolments of every Twenty person
-- with that address at once, as the main crm_unsubscribe does for RedKey's
-- people. A trigger on the suppressions (the one place every unsubscribe
-- lands), not a second crm_unsubscribe, so the main one stays the one
-- entry point. The address is kept only as its hash: compared as a hash.
CREATE FUNCTION redkey_twenty.stop_unsubscribed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ws text;
  prev text := current_setting('redkey.client_id', true);
BEGIN
  SELECT workspace_schema INTO ws FROM redkey_twenty.attachments
  WHERE workspace_id = NEW.workspace_id;
  IF ws IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('redkey.client_id', NEW.workspace_id::text, true);
  EXECUTE format(
    'UPDATE redkey_twenty.sequence_contacts sc
     SET status = ''stopped'', stop_reason = ''unsubscribed''
     FROM %I.person p
     WHERE p.id = sc.person_id AND sc.workspace_id = $1 AND sc.status IN (''active'', ''paused'')
       AND redkey_email_hash(p."emailsPrimaryEmail") = $2', ws)
    USING NEW.workspace_id, NEW.email_sha256;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.stop_unsubscribed() FROM PUBLIC;
CREATE TRIGGER redkey_twenty_stop_unsubscribed AFTER INSERT ON public.suppressions
  FOR EACH ROW WHEN (NEW.reason = 'unsubscribed')
  EXECUTE FUNCTION redkey_twenty.stop_unsubscribed();

-- The erasure over Twenty's side first (its people with the address, the
-- notes, tasks and files about them, their timeline, the adapter's rows
-- pointing at them), then the main erasure for everything RedKey keeps
-- apart from the people (mail, provider events, arlo's work, imports,
-- the suppression and the erasure record), then arlo's work and history
-- that name the Twenty people by id. One erasure record, with the counts
-- of both sides.
CREATE FUNCTION redkey_twenty.redkey_forget(p_email text, p_requested_by text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := redkey_client_id();
  ws text := redkey_twenty.workspace_of_client();
  addr text := lower(btrim(p_email));
  pattern text;
  persons uuid[];
  ids text[];
  notes_gone uuid[];
  todos_gone uuid[];
  files_gone uuid[];
  keys text[];
  sends_gone uuid[];
  tasks_gone uuid[];
  gone uuid[];
  n jsonb := '{}';
  c bigint;
  main jsonb;
  total jsonb;
  k text;
BEGIN
  IF ws IS NULL THEN
    RETURN public.redkey_forget(p_email, p_requested_by);
  END IF;
  IF addr !~ '^[^@\s]+@[^@\s]+$' THEN
    RAISE EXCEPTION '% is not an email address', btrim(p_email) USING ERRCODE = '22023';
  END IF;
  pattern := '%' || replace(replace(replace(addr, '\', '\\'), '%', '\%'), '_', '\_') || '%';

  -- Archived ones too: the trash is no hiding place.
  EXECUTE format('SELECT coalesce(array_agg(id), ''{}'') FROM %I.person
                  WHERE lower("emailsPrimaryEmail") = $1
                     OR lower(coalesce("emailsAdditionalEmails", ''[]'')::text) LIKE $2', ws)
    INTO persons USING addr, pattern;
  ids := ARRAY(SELECT unnest(persons)::text);

  SELECT coalesce(array_agg(s.id), '{}') INTO sends_gone FROM redkey_twenty.email_sends s
  WHERE s.workspace_id = client
    AND (s.person_id = ANY (persons) OR lower(s.to_email) = addr OR lower(s.request) LIKE pattern
         OR s.enrollment_id IN (SELECT id FROM redkey_twenty.sequence_contacts
                                WHERE workspace_id = client AND person_id = ANY (persons)));
  DELETE FROM redkey_twenty.send_resolutions WHERE workspace_id = client AND send_id = ANY (sends_gone);
  DELETE FROM redkey_twenty.email_sends WHERE workspace_id = client AND id = ANY (sends_gone);
  n := n || jsonb_build_object('email_sends', cardinality(sends_gone));
  DELETE FROM redkey_twenty.sequence_contacts WHERE workspace_id = client AND person_id = ANY (persons);
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('sequence_enrolments', c);

  -- Notes, tasks and files about them go with them, as in the main erasure.
  EXECUTE format('SELECT coalesce(array_agg(DISTINCT "noteId") FILTER (WHERE "noteId" IS NOT NULL), ''{}'')
                  FROM %I."noteTarget" WHERE "personId" = ANY ($1)', ws)
    INTO notes_gone USING persons;
  EXECUTE format('SELECT coalesce(array_agg(DISTINCT "taskId") FILTER (WHERE "taskId" IS NOT NULL), ''{}'')
                  FROM %I."taskTarget" WHERE "personId" = ANY ($1)', ws)
    INTO todos_gone USING persons;
  EXECUTE format('WITH gone AS (DELETE FROM %I.attachment
                    WHERE "personId" = ANY ($1) OR "noteId" = ANY ($2) OR "taskId" = ANY ($3)
                    RETURNING id, "fullPath")
                  SELECT coalesce(array_agg(id), ''{}''),
                         coalesce(array_agg("fullPath") FILTER (WHERE "fullPath" IS NOT NULL), ''{}'')
                  FROM gone', ws)
    INTO files_gone, keys USING persons, notes_gone, todos_gone;
  DELETE FROM redkey_twenty.attachment_ext WHERE workspace_id = client AND id = ANY (files_gone);
  n := n || jsonb_build_object('files', cardinality(files_gone));
  EXECUTE format('DELETE FROM %I."noteTarget" WHERE "noteId" = ANY ($1)', ws) USING notes_gone;
  EXECUTE format('DELETE FROM %I.note WHERE id = ANY ($1)', ws) USING notes_gone;
  n := n || jsonb_build_object('notes', cardinality(notes_gone));
  EXECUTE format('DELETE FROM %I."taskTarget" WHERE "taskId" = ANY ($1)', ws) USING todos_gone;
  EXECUTE format('DELETE FROM %I.task WHERE id = ANY ($1)', ws) USING todos_gone;
  DELETE FROM redkey_twenty.task_ext WHERE workspace_id = client AND id = ANY (todos_gone);
  n := n || jsonb_build_object('tasks', cardinality(todos_gone));
  DELETE FROM redkey_twenty.record_search
  WHERE workspace_id = client AND record_id = ANY (notes_gone || todos_gone);

  DELETE FROM redkey_twenty.activities WHERE workspace_id = client
    AND (person_id = ANY (persons) OR lower(coalesce(properties::text, '')) LIKE pattern);
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('activities', c);
  DELETE FROM redkey_twenty.enrichment_lookups WHERE workspace_id = client AND person_id = ANY (persons);

  -- The people themselves. Their deals stay, without a point of contact.
  EXECUTE format('UPDATE %I.opportunity SET "pointOfContactId" = NULL
                  WHERE "pointOfContactId" = ANY ($1)', ws) USING persons;
  DELETE FROM redkey_twenty.contact_search WHERE workspace_id = client AND person_id = ANY (persons);
  DELETE FROM redkey_twenty.person_ext WHERE workspace_id = client AND id = ANY (persons);
  EXECUTE format('DELETE FROM %I.person WHERE id = ANY ($1)', ws) USING persons;
  n := n || jsonb_build_object('contacts', cardinality(persons));
  -- Their timeline in Twenty, and any event that names them (a deal's
  -- point of contact cleared just now, by its old value).
  gone := persons || notes_gone || todos_gone;
  IF to_regclass(format('%I.%I', ws, 'timelineActivity')) IS NOT NULL THEN
    EXECUTE format('DELETE FROM %I."timelineActivity" t
                    WHERE t."linkedRecordId" = ANY ($1) OR lower(t.properties::text) LIKE $2
                       OR EXISTS (SELECT 1 FROM unnest($3) i
                                  WHERE t.properties::text LIKE ''%%'' || i || ''%%'')', ws)
      USING gone, pattern, ids;
  END IF;

  main := public.redkey_forget(p_email, p_requested_by);

  -- Arlo's work, suggestions, import rows and field history that name
  -- the Twenty people by id (the main erasure knows RedKey's ids only).
  SELECT coalesce(array_agg(t.id), '{}') INTO tasks_gone FROM tasks t
  WHERE t.workspace_id = client
    AND EXISTS (SELECT 1 FROM unnest(ids) i
                WHERE t.payload::text LIKE '%' || i || '%'
                   OR coalesce(t.result::text, '') LIKE '%' || i || '%');
  DELETE FROM task_runs WHERE workspace_id = client AND task_id = ANY (tasks_gone);
  DELETE FROM model_calls WHERE workspace_id = client AND task_id = ANY (tasks_gone);
  DELETE FROM tasks WHERE workspace_id = client AND id = ANY (tasks_gone);
  n := n || jsonb_build_object('arlo_tasks', cardinality(tasks_gone));
  DELETE FROM topic_messages m WHERE m.workspace_id = client
    AND EXISTS (SELECT 1 FROM unnest(ids) i WHERE m.body::text LIKE '%' || i || '%');
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('topic_messages', c);
  DELETE FROM suggestions WHERE workspace_id = client AND record_id = ANY (persons);
  DELETE FROM import_rows WHERE workspace_id = client AND record_id = ANY (persons);
  DELETE FROM field_changes f WHERE f.workspace_id = client
    AND (f.row_id = ANY (gone)
         OR EXISTS (SELECT 1 FROM unnest(ids) i
                    WHERE coalesce(f.old_value::text, '') LIKE '%' || i || '%'
                       OR coalesce(f.new_value::text, '') LIKE '%' || i || '%'));

  -- One record of the erasure: the main one's, with both sides counted.
  total := main -> 'removed';
  FOR k IN SELECT jsonb_object_keys(n) LOOP
    total := total || jsonb_build_object(k, coalesce((total ->> k)::bigint, 0) + (n ->> k)::bigint);
  END LOOP;
  UPDATE erasures SET removed = total
  WHERE id = (SELECT e.id FROM erasures e
              WHERE e.workspace_id = client AND e.requested_by = p_requested_by
                AND e.erased_at = now() AND e.removed = main -> 'removed'
              LIMIT 1);
  RETURN jsonb_build_object('removed', total,
                            'file_keys', (main -> 'file_keys') || to_jsonb(keys));
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.redkey_forget(text, text) FROM PUBLIC;

-- As the main crm_forget: an admin's, in the cockpit.
CREATE FUNCTION redkey_twenty.crm_forget(p_email text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
BEGIN
  IF uid IS NULL OR NOT redkey_is_admin() THEN
    RAISE EXCEPTION 'only an admin erases a person' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN redkey_twenty.redkey_forget(p_email, 'user:' || uid::text);
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.crm_forget(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_forget(text) TO redkey_human;

RESET ROLE;
