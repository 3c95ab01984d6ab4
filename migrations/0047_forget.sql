-- Erasing a person on request (data-protection law). Within the current
-- client, everything that holds the person's address or is linked to their
-- contact rows goes; what is left is a hashed suppression (so they are
-- never mailed again) and a record that an erasure happened (who asked,
-- when, how many rows), with no personal data in it.
--
-- Suppressions move to hashed addresses for the same reason: a list of
-- people who asked not to be mailed is itself personal data.

SET LOCAL ROLE redkey_owner;

CREATE FUNCTION redkey_email_hash(p_email text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = public, pg_temp AS $$
  SELECT sha256(convert_to(lower(btrim(p_email)), 'UTF8'));
$$;

DROP VIEW crm_suppressions;
ALTER TABLE suppressions ADD COLUMN email_sha256 bytea;
UPDATE suppressions SET email_sha256 = redkey_email_hash(email);
ALTER TABLE suppressions DROP CONSTRAINT suppressions_pkey;
ALTER TABLE suppressions DROP COLUMN email;
ALTER TABLE suppressions
  ALTER COLUMN email_sha256 SET NOT NULL,
  ADD CONSTRAINT suppressions_email_sha256_check CHECK (length(email_sha256) = 32),
  ADD PRIMARY KEY (workspace_id, email_sha256),
  DROP CONSTRAINT suppressions_reason_check,
  ADD CONSTRAINT suppressions_reason_check
    CHECK (reason IN ('unsubscribed', 'bounced', 'complained', 'erased'));

CREATE VIEW crm_suppressions AS
SELECT workspace_id AS client_id, email_sha256, reason, created_at
FROM suppressions
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

CREATE OR REPLACE FUNCTION crm_unsubscribe(p_token text, p_apply boolean)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ws uuid;
  addr text;
  prev text := current_setting('redkey.client_id', true);
BEGIN
  IF p_token !~ '^[0-9a-f]{80}$' THEN
    RETURN false;
  END IF;
  ws := substr(p_token, 1, 32)::uuid;
  PERFORM set_config('redkey.client_id', ws::text, true);
  SELECT t.email INTO addr FROM unsubscribe_tokens t WHERE t.token = p_token;
  IF addr IS NOT NULL AND p_apply THEN
    INSERT INTO suppressions (workspace_id, email_sha256, reason)
    VALUES (ws, redkey_email_hash(addr), 'unsubscribed')
    ON CONFLICT DO NOTHING;
    UPDATE sequence_contacts sc SET status = 'stopped', stop_reason = 'unsubscribed'
    FROM people p
    WHERE p.id = sc.person_id AND lower(p.emails_primary_email) = addr
      AND sc.status IN ('active', 'paused');
  END IF;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN addr IS NOT NULL;
END
$$;

CREATE TABLE erasures (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  -- `user:<id>` for a person in the cockpit, `command line` for the owner.
  requested_by text NOT NULL CHECK (requested_by ~ '^(user:[0-9a-f-]{36}|command line)$'),
  erased_at timestamptz NOT NULL DEFAULT now(),
  -- Rows removed per kind: counts only.
  removed jsonb NOT NULL
);

CREATE VIEW crm_erasures AS
SELECT id, workspace_id AS client_id, requested_by, erased_at, removed
FROM erasures
WHERE workspace_id = redkey_client_id();

-- The work, for whoever may ask: the owner's command line calls it
-- directly; a person in the cockpit through crm_forget, which checks they
-- are an admin. Returns the counts and the keys of stored files to delete
-- once the transaction commits (files live outside the database).
CREATE FUNCTION redkey_forget(p_email text, p_requested_by text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ws uuid := redkey_client_id();
  addr text := lower(btrim(p_email));
  pattern text;
  persons uuid[];
  person_ids text[];
  notes_gone uuid[];
  todos_gone uuid[];
  files_gone uuid[];
  keys text[];
  tasks_gone uuid[];
  sends_gone uuid[];
  n jsonb := '{}';
  c bigint;
BEGIN
  IF ws IS NULL THEN
    RAISE EXCEPTION 'no client in scope' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF addr !~ '^[^@\s]+@[^@\s]+$' THEN
    RAISE EXCEPTION '% is not an email address', btrim(p_email) USING ERRCODE = '22023';
  END IF;
  -- LIKE with the address's own % and _ taken literally.
  pattern := '%' || replace(replace(replace(addr, '\', '\\'), '%', '\%'), '_', '\_') || '%';

  SELECT coalesce(array_agg(p.id), '{}') INTO persons FROM people p
  WHERE p.workspace_id = ws
    AND (lower(p.emails_primary_email) = addr
         OR lower(coalesce(p.emails_additional_emails, '[]')::text) LIKE pattern);
  person_ids := ARRAY(SELECT unnest(persons)::text);

  -- Pending sends first: nothing more goes out to them.
  SELECT coalesce(array_agg(s.id), '{}') INTO sends_gone FROM email_sends s
  WHERE s.workspace_id = ws
    AND (s.person_id = ANY (persons) OR lower(s.to_email) = addr
         OR lower(s.request) LIKE pattern
         OR s.enrollment_id IN (SELECT id FROM sequence_contacts
                                WHERE workspace_id = ws AND person_id = ANY (persons)));
  DELETE FROM send_resolutions WHERE workspace_id = ws AND send_id = ANY (sends_gone);
  DELETE FROM email_sends WHERE workspace_id = ws AND id = ANY (sends_gone);
  n := n || jsonb_build_object('email_sends', cardinality(sends_gone));
  DELETE FROM sequence_contacts WHERE workspace_id = ws AND person_id = ANY (persons);
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('sequence_enrolments', c);

  -- Mail and provider events that name the address.
  DELETE FROM email_events WHERE workspace_id = ws AND lower(payload::text) LIKE pattern;
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('provider_events', c);
  DELETE FROM inbound_emails WHERE workspace_id = ws
    AND (lower(from_email) = addr OR lower(to_emails::text) LIKE pattern);
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('inbound_mail', c);
  DELETE FROM email_messages WHERE workspace_id = ws
    AND (lower(from_email) = addr OR lower(to_emails::text) LIKE pattern);
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('mailbox_messages', c);
  DELETE FROM unsubscribe_tokens WHERE workspace_id = ws AND email = addr;
  UPDATE calendar_events
  SET attendees = ARRAY(SELECT a FROM unnest(attendees) a WHERE lower(a) NOT LIKE pattern)
  WHERE workspace_id = ws AND lower(attendees::text) LIKE pattern;
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('calendar_events', c);

  -- Notes, to-dos and files about them go with them.
  SELECT coalesce(array_agg(DISTINCT note_id), '{}') INTO notes_gone FROM note_targets
  WHERE workspace_id = ws AND target_person_id = ANY (persons);
  DELETE FROM note_targets WHERE workspace_id = ws AND note_id = ANY (notes_gone);
  DELETE FROM notes WHERE workspace_id = ws AND id = ANY (notes_gone);
  n := n || jsonb_build_object('notes', cardinality(notes_gone));
  SELECT coalesce(array_agg(DISTINCT todo_id), '{}') INTO todos_gone FROM todo_targets
  WHERE workspace_id = ws AND target_person_id = ANY (persons);
  DELETE FROM todo_targets WHERE workspace_id = ws AND todo_id = ANY (todos_gone);
  DELETE FROM todos WHERE workspace_id = ws AND id = ANY (todos_gone);
  n := n || jsonb_build_object('tasks', cardinality(todos_gone));
  SELECT coalesce(array_agg(DISTINCT attachment_id), '{}') INTO files_gone FROM attachment_targets
  WHERE workspace_id = ws AND target_person_id = ANY (persons);
  DELETE FROM attachment_targets WHERE workspace_id = ws AND attachment_id = ANY (files_gone);
  WITH gone AS (
    DELETE FROM attachments WHERE workspace_id = ws AND id = ANY (files_gone) RETURNING full_path)
  SELECT coalesce(array_agg(full_path), '{}') INTO keys FROM gone;
  n := n || jsonb_build_object('files', cardinality(keys));

  -- Their activities and arlo's work about them.
  DELETE FROM activities WHERE workspace_id = ws
    AND (person_id = ANY (persons) OR lower(coalesce(properties::text, '')) LIKE pattern);
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('activities', c);
  SELECT coalesce(array_agg(t.id), '{}') INTO tasks_gone FROM tasks t
  WHERE t.workspace_id = ws
    AND (lower(t.payload::text) LIKE pattern OR lower(coalesce(t.result::text, '')) LIKE pattern
         OR lower(coalesce(t.last_error, '')) LIKE pattern
         OR EXISTS (SELECT 1 FROM unnest(person_ids) i
                    WHERE t.payload::text LIKE '%' || i || '%'
                       OR coalesce(t.result::text, '') LIKE '%' || i || '%'));
  -- Runs and model calls first: they point at their task.
  DELETE FROM task_runs WHERE workspace_id = ws AND task_id = ANY (tasks_gone);
  DELETE FROM model_calls WHERE workspace_id = ws AND task_id = ANY (tasks_gone);
  DELETE FROM tasks WHERE workspace_id = ws AND id = ANY (tasks_gone);
  n := n || jsonb_build_object('arlo_tasks', cardinality(tasks_gone));
  DELETE FROM topic_messages m WHERE m.workspace_id = ws
    AND (lower(m.body::text) LIKE pattern
         OR EXISTS (SELECT 1 FROM unnest(person_ids) i WHERE m.body::text LIKE '%' || i || '%'));
  GET DIAGNOSTICS c = ROW_COUNT;
  n := n || jsonb_build_object('topic_messages', c);
  DELETE FROM suggestions WHERE workspace_id = ws
    AND (record_id = ANY (persons) OR lower(proposed::text) LIKE pattern);
  DELETE FROM enrichment_lookups WHERE workspace_id = ws AND person_id = ANY (persons);

  -- Imported files keep every other line.
  UPDATE imports SET content = array_to_string(ARRAY(
      SELECT l FROM unnest(string_to_array(content, E'\n')) WITH ORDINALITY AS u(l, i)
      WHERE lower(l) NOT LIKE pattern ORDER BY i), E'\n')
  WHERE workspace_id = ws AND lower(content) LIKE pattern;
  DELETE FROM import_rows WHERE workspace_id = ws AND record_id = ANY (persons);

  -- The contact rows themselves, their search entries and their history.
  UPDATE opportunities SET point_of_contact_id = NULL
  WHERE workspace_id = ws AND point_of_contact_id = ANY (persons);
  DELETE FROM contact_search WHERE person_id = ANY (persons);
  DELETE FROM people WHERE workspace_id = ws AND id = ANY (persons);
  n := n || jsonb_build_object('contacts', cardinality(persons));
  DELETE FROM field_changes WHERE workspace_id = ws
    AND (row_id = ANY (persons) OR row_id = ANY (notes_gone) OR row_id = ANY (todos_gone)
         OR lower(coalesce(old_value::text, '')) LIKE pattern
         OR lower(coalesce(new_value::text, '')) LIKE pattern);
  DELETE FROM invitations WHERE workspace_id = ws AND email = addr AND accepted_at IS NULL;
  DELETE FROM sign_in_failures WHERE lower(email) = addr;

  INSERT INTO suppressions (workspace_id, email_sha256, reason)
  VALUES (ws, redkey_email_hash(addr), 'erased')
  ON CONFLICT (workspace_id, email_sha256) DO UPDATE SET reason = 'erased';
  INSERT INTO erasures (workspace_id, requested_by, removed) VALUES (ws, p_requested_by, n);
  RETURN jsonb_build_object('removed', n, 'file_keys', to_jsonb(keys));
END
$$;

CREATE FUNCTION crm_forget(p_email text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
BEGIN
  IF uid IS NULL OR NOT redkey_is_admin() THEN
    RAISE EXCEPTION 'only an admin erases a person' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN redkey_forget(p_email, 'user:' || uid::text);
END
$$;

RESET ROLE;

REVOKE ALL ON FUNCTION redkey_forget(text, text) FROM PUBLIC;
SELECT redkey_isolate('erasures');

DELETE FROM redkey_column_policy WHERE view_name = 'crm_suppressions' AND column_name = 'email';
INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_suppressions', 'email_sha256', 'identity', true, false),
  ('crm_erasures', 'id', 'system', false, false),
  ('crm_erasures', 'client_id', 'system', false, false),
  ('crm_erasures', 'requested_by', 'system', false, false),
  ('crm_erasures', 'erased_at', 'system', false, false),
  ('crm_erasures', 'removed', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_forget(text)', 'redkey_human');
SELECT redkey_apply_grants();
