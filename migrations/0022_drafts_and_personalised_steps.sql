-- Emails arlo drafts for the founder ("draft a follow-up to Sarah") live in
-- the outbox like sequence steps: the request is stored, as a draft, before
-- anything is sent; the founder's Send releases it to the same runner
-- (idempotency key, suppression, daily cap). And each sequence chooses
-- whether arlo's model personalises its steps.

SET LOCAL ROLE redkey_owner;

ALTER TABLE email_sends ALTER COLUMN enrollment_id DROP NOT NULL,
  ALTER COLUMN step DROP NOT NULL,
  ADD CONSTRAINT email_sends_step_or_draft CHECK ((enrollment_id IS NULL) = (step IS NULL)),
  -- The crm.query task that drafted it: one draft per task, however often
  -- the task runs.
  ADD COLUMN drafted_by_task uuid;
CREATE UNIQUE INDEX email_sends_one_draft_per_task
  ON email_sends (workspace_id, drafted_by_task) WHERE drafted_by_task IS NOT NULL;
ALTER TABLE email_sends DROP CONSTRAINT email_sends_status_check;
ALTER TABLE email_sends ADD CONSTRAINT email_sends_status_check
  CHECK (status IN ('draft', 'pending', 'sent', 'failed', 'review', 'dropped'));
ALTER TABLE email_sends ADD CONSTRAINT email_sends_drafts_are_adhoc
  CHECK (status <> 'draft' OR enrollment_id IS NULL);

ALTER TABLE send_resolutions DROP CONSTRAINT send_resolutions_action_check;
ALTER TABLE send_resolutions ADD CONSTRAINT send_resolutions_action_check
  CHECK (action IN ('mark_sent', 'send_again', 'drop', 'send_draft'));

ALTER TABLE sequences ADD COLUMN personalised boolean NOT NULL DEFAULT false;

DROP VIEW crm_email_sends;
CREATE VIEW crm_email_sends AS
SELECT id, workspace_id AS client_id, enrollment_id, step, person_id AS contact_id, to_email,
       idempotency_key, request, status, attempts, provider_id, message_id, last_error,
       created_at, sent_at, first_attempt_at, released_at, drafted_by_task
FROM email_sends
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

CREATE OR REPLACE VIEW crm_sequences AS
SELECT id, workspace_id AS client_id, name, steps, status, window_start, window_end, weekdays,
       time_zone, created_at, updated_at, personalised
FROM sequences
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

-- The founder sends a draft: it joins the outbox's pending sends, and who
-- released it is recorded.
CREATE FUNCTION crm_send_draft(p_send uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  s email_sends;
BEGIN
  IF uid IS NULL THEN
    RAISE EXCEPTION 'only a signed-in person sends a draft' USING ERRCODE = 'RK001';
  END IF;
  SELECT * INTO s FROM email_sends
  WHERE id = p_send AND workspace_id = redkey_client_id() FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such draft' USING ERRCODE = 'no_data_found';
  END IF;
  IF s.status <> 'draft' THEN
    RAISE EXCEPTION 'this email is %, not a draft', s.status USING ERRCODE = 'RK002';
  END IF;
  UPDATE email_sends SET status = 'pending', released_at = now() WHERE id = s.id;
  INSERT INTO send_resolutions (workspace_id, send_id, action, user_id)
  VALUES (s.workspace_id, s.id, 'send_draft', uid);
END
$$;

RESET ROLE;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_email_sends', 'drafted_by_task', 'operational', true, false),
  ('crm_sequences', 'personalised', 'identity', true, true);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_send_draft(uuid)', 'redkey_human');
SELECT redkey_apply_grants();
