-- Sending that never strands: account-level refusals pause a client until
-- a person resumes; only sends whose outcome is unknown go to review, and
-- the review deadline counts from the first attempt; a person resolves a
-- send in review (or a failed one) and every choice is recorded.

SET LOCAL ROLE redkey_owner;

-- When the request first went out with an unknown or good outcome. A send
-- held back (pause, quota, window, caps) and never attempted has none.
ALTER TABLE email_sends ADD COLUMN first_attempt_at timestamptz;
-- When a person chose "send again": the runner then sends it even past the
-- review deadline, as long as the provider still knows the key.
ALTER TABLE email_sends ADD COLUMN released_at timestamptz;
ALTER TABLE email_sends DROP CONSTRAINT email_sends_status_check;
ALTER TABLE email_sends ADD CONSTRAINT email_sends_status_check
  CHECK (status IN ('pending', 'sent', 'failed', 'review', 'dropped'));

-- A pause either ends at a time (a quota) or lasts until a person resumes
-- sending (the account itself was refused): paused_until is then infinity.
ALTER TABLE email_pauses
  ADD COLUMN resumed_at timestamptz,
  ADD COLUMN resumed_by uuid;

ALTER TABLE sequence_contacts DROP CONSTRAINT sequence_contacts_stop_reason_check;
ALTER TABLE sequence_contacts ADD CONSTRAINT sequence_contacts_stop_reason_check
  CHECK (stop_reason IN ('replied', 'unsubscribed', 'bounced', 'complained',
                         'no_email_address', 'rejected', 'needs_review',
                         'paused_by_user', 'unenrolled', 'contact_archived',
                         'company_archived', 'unpreparable'));

-- What a person decided about a send, and who.
CREATE TABLE send_resolutions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  send_id uuid NOT NULL,
  action text NOT NULL CHECK (action IN ('mark_sent', 'send_again', 'drop')),
  provider_id text,
  user_id uuid,
  at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (workspace_id, send_id) REFERENCES email_sends (workspace_id, id)
);

DROP VIEW crm_email_sends;
CREATE VIEW crm_email_sends AS
SELECT id, workspace_id AS client_id, enrollment_id, step, person_id AS contact_id, to_email,
       idempotency_key, request, status, attempts, provider_id, message_id, last_error,
       created_at, sent_at, first_attempt_at, released_at
FROM email_sends
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

DROP VIEW crm_email_pauses;
CREATE VIEW crm_email_pauses AS
SELECT id, workspace_id AS client_id, paused_until, reason, created_at, resumed_at, resumed_by
FROM email_pauses
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_send_resolutions AS
SELECT id, workspace_id AS client_id, send_id, action, provider_id, user_id, at
FROM send_resolutions
WHERE workspace_id = redkey_client_id();

-- A person's decision about a send in review or a failed one. Runs as the
-- owner: the outbox is arlo's (operational), so people change it only
-- through this, and it records who and what.
--   mark_sent:  it did go out; the next tick records it and moves on.
--   send_again: the same bytes under the same key, only while the
--               provider still remembers the key (24 h from the first
--               attempt; a send never attempted has no deadline).
--   drop:       skip this step; the enrollment goes on with the next.
CREATE FUNCTION crm_resolve_send(p_send uuid, p_action text, p_provider_id text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  s email_sends;
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
BEGIN
  IF uid IS NULL THEN
    RAISE EXCEPTION 'only a signed-in person resolves a send' USING ERRCODE = 'RK001';
  END IF;
  SELECT * INTO s FROM email_sends
  WHERE id = p_send AND workspace_id = redkey_client_id() FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such send' USING ERRCODE = 'no_data_found';
  END IF;
  IF s.status NOT IN ('review', 'failed') THEN
    RAISE EXCEPTION 'this send is %: nothing to resolve', s.status USING ERRCODE = 'RK002';
  END IF;
  IF p_action = 'mark_sent' THEN
    UPDATE email_sends SET status = 'sent', sent_at = coalesce(sent_at, now()),
           provider_id = coalesce(NULLIF(btrim(p_provider_id), ''), provider_id)
    WHERE id = s.id;
  ELSIF p_action = 'send_again' THEN
    IF s.first_attempt_at IS NOT NULL AND s.first_attempt_at < now() - interval '24 hours' THEN
      RAISE EXCEPTION 'the provider no longer knows this send''s key (first tried %): mark it sent or drop it',
        s.first_attempt_at USING ERRCODE = 'RK002';
    END IF;
    UPDATE email_sends SET status = 'pending', released_at = now() WHERE id = s.id;
  ELSIF p_action = 'drop' THEN
    UPDATE email_sends SET status = 'dropped' WHERE id = s.id;
    UPDATE sequence_contacts SET current_step = s.step + 1, next_due_at = NULL
    WHERE id = s.enrollment_id AND current_step = s.step;
  ELSE
    RAISE EXCEPTION 'unknown action %', p_action USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- The enrollment was held for this send: let it go on.
  UPDATE sequence_contacts SET status = 'active', stop_reason = NULL
  WHERE id = s.enrollment_id
    AND ((status = 'paused' AND stop_reason = 'needs_review')
      OR (status = 'stopped' AND stop_reason = 'rejected'));
  INSERT INTO send_resolutions (workspace_id, send_id, action, provider_id, user_id)
  VALUES (s.workspace_id, s.id, p_action, NULLIF(btrim(p_provider_id), ''), uid);
END
$$;

-- A person resumes a client's sending after an account-level refusal.
CREATE FUNCTION crm_resume_sending() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  n integer;
BEGIN
  IF uid IS NULL THEN
    RAISE EXCEPTION 'only a signed-in person resumes sending' USING ERRCODE = 'RK001';
  END IF;
  UPDATE email_pauses SET paused_until = now(), resumed_at = now(), resumed_by = uid
  WHERE workspace_id = redkey_client_id() AND paused_until > now();
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

RESET ROLE;

-- Past sends that were attempted: their review clock starts at creation
-- (the owner's credential passes row security here).
UPDATE email_sends SET first_attempt_at = created_at WHERE attempts > 0;
SELECT redkey_isolate('send_resolutions');

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_email_sends', 'first_attempt_at', 'operational', false, true),
  ('crm_email_sends', 'released_at', 'system', false, false),
  ('crm_email_pauses', 'resumed_at', 'system', false, false),
  ('crm_email_pauses', 'resumed_by', 'system', false, false),
  ('crm_send_resolutions', 'id', 'system', false, false),
  ('crm_send_resolutions', 'client_id', 'system', false, false),
  ('crm_send_resolutions', 'send_id', 'system', false, false),
  ('crm_send_resolutions', 'action', 'system', false, false),
  ('crm_send_resolutions', 'provider_id', 'system', false, false),
  ('crm_send_resolutions', 'user_id', 'system', false, false),
  ('crm_send_resolutions', 'at', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_resolve_send(uuid,text,text)', 'redkey_human'),
  ('crm_resume_sending()', 'redkey_human');
SELECT redkey_apply_grants();
