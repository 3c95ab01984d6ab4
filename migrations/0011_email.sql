-- Email: sequences with send windows, enrollments that stop on reply,
-- bounce or unsubscribe, an outbox whose rendered requests are stored
-- before the first attempt, provider events recorded once, suppressions,
-- unsubscribe tokens and inbound mail.

SET LOCAL ROLE redkey_owner;

ALTER TABLE sequences
  ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  ADD COLUMN window_start time NOT NULL DEFAULT '09:00',
  ADD COLUMN window_end time NOT NULL DEFAULT '17:00',
  -- ISO weekdays, 1 = Monday.
  ADD COLUMN weekdays integer[] NOT NULL DEFAULT '{1,2,3,4,5}'
    CHECK (weekdays <@ ARRAY[1,2,3,4,5,6,7] AND cardinality(weekdays) > 0),
  ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC',
  ADD CONSTRAINT sequences_window CHECK (window_start < window_end);

ALTER TABLE sequence_contacts DROP CONSTRAINT sequence_contacts_status_check;
ALTER TABLE sequence_contacts
  ADD CONSTRAINT sequence_contacts_status_check
    CHECK (status IN ('active', 'paused', 'complete', 'replied', 'stopped')),
  ADD COLUMN stop_reason text,
  -- Identifies the enrollment in reply-to addresses: reply+<token>@domain.
  ADD COLUMN reply_token text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '') UNIQUE,
  ADD COLUMN first_message_id text,
  ADD COLUMN last_sent_at timestamptz;
DROP INDEX sequence_contacts_one_active;
CREATE UNIQUE INDEX sequence_contacts_one_active
  ON sequence_contacts (workspace_id, sequence_id, person_id) WHERE status IN ('active', 'paused');

-- The outbox: one row per (enrollment, step), holding the exact request
-- body, so every retry is byte-identical under the same Idempotency-Key.
CREATE TABLE email_sends (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  enrollment_id uuid NOT NULL,
  step integer NOT NULL CHECK (step >= 0),
  person_id uuid NOT NULL,
  to_email text NOT NULL,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) <= 256),
  request text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'review')),
  attempts integer NOT NULL DEFAULT 0,
  provider_id text,
  message_id text,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (workspace_id, id),
  UNIQUE (workspace_id, enrollment_id, step),
  FOREIGN KEY (workspace_id, enrollment_id) REFERENCES sequence_contacts (workspace_id, id),
  FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id)
);
CREATE INDEX email_sends_provider ON email_sends (workspace_id, provider_id);

-- Provider webhook deliveries, once per svix-id.
CREATE TABLE email_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  svix_id text NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, svix_id)
);

-- Addresses never to email again, per client.
CREATE TABLE suppressions (
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  email text NOT NULL CHECK (email = lower(email)),
  reason text NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'complained')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, email)
);

-- Unsubscribe links: per (client, address), the client's id in hex then
-- 192 random bits, so the public endpoint finds the client at once and
-- nobody can guess a token.
CREATE TABLE unsubscribe_tokens (
  token text PRIMARY KEY CHECK (token ~ '^[0-9a-f]{80}$'),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  email text NOT NULL CHECK (email = lower(email)),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, email)
);

-- Inbound mail; kept and shown even when it matches no enrollment.
CREATE TABLE inbound_emails (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  provider_id text,
  from_email text NOT NULL,
  to_emails text[] NOT NULL DEFAULT '{}',
  subject text,
  message_id text,
  enrollment_id uuid,
  received_at timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['email_sends', 'email_events', 'suppressions', 'unsubscribe_tokens',
                           'inbound_emails']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY client_isolation ON %I TO PUBLIC
      USING (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)
      WITH CHECK (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)$p$, t);
  END LOOP;
END
$$;

DROP VIEW crm_sequence_contacts;
DROP VIEW crm_sequences;
CREATE VIEW crm_sequences AS
SELECT id, workspace_id AS client_id, name, steps, status, window_start, window_end, weekdays,
       time_zone, created_at, updated_at
FROM sequences
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_sequence_contacts AS
SELECT id, workspace_id AS client_id, sequence_id, person_id AS contact_id,
       current_step, next_due_at, status, stop_reason, reply_token, first_message_id,
       last_sent_at, created_at, updated_at
FROM sequence_contacts
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_email_sends AS
SELECT id, workspace_id AS client_id, enrollment_id, step, person_id AS contact_id, to_email,
       idempotency_key, request, status, attempts, provider_id, message_id, last_error,
       created_at, sent_at
FROM email_sends
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_email_events AS
SELECT id, workspace_id AS client_id, svix_id, type, payload, received_at
FROM email_events
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_suppressions AS
SELECT workspace_id AS client_id, email, reason, created_at
FROM suppressions
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_unsubscribe_tokens AS
SELECT token, workspace_id AS client_id, email, created_at
FROM unsubscribe_tokens
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_inbound_emails AS
SELECT id, workspace_id AS client_id, provider_id, from_email, to_emails, subject, message_id,
       enrollment_id, received_at
FROM inbound_emails
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_sequences', 'status', 'identity', true, true),
  ('crm_sequences', 'window_start', 'identity', true, true),
  ('crm_sequences', 'window_end', 'identity', true, true),
  ('crm_sequences', 'weekdays', 'identity', true, true),
  ('crm_sequences', 'time_zone', 'identity', true, true),
  ('crm_sequence_contacts', 'stop_reason', 'identity', true, true),
  ('crm_sequence_contacts', 'reply_token', 'system', false, false),
  ('crm_sequence_contacts', 'first_message_id', 'operational', false, true),
  ('crm_sequence_contacts', 'last_sent_at', 'operational', false, true),
  ('crm_email_sends', 'id', 'system', false, false),
  ('crm_email_sends', 'client_id', 'system', false, false),
  ('crm_email_sends', 'enrollment_id', 'operational', true, false),
  ('crm_email_sends', 'step', 'operational', true, false),
  ('crm_email_sends', 'contact_id', 'operational', true, false),
  ('crm_email_sends', 'to_email', 'operational', true, false),
  ('crm_email_sends', 'idempotency_key', 'operational', true, false),
  ('crm_email_sends', 'request', 'operational', true, false),
  ('crm_email_sends', 'status', 'operational', true, true),
  ('crm_email_sends', 'attempts', 'operational', true, true),
  ('crm_email_sends', 'provider_id', 'operational', false, true),
  ('crm_email_sends', 'message_id', 'operational', false, true),
  ('crm_email_sends', 'last_error', 'operational', false, true),
  ('crm_email_sends', 'created_at', 'system', false, false),
  ('crm_email_sends', 'sent_at', 'operational', false, true),
  ('crm_email_events', 'id', 'system', false, false),
  ('crm_email_events', 'client_id', 'system', false, false),
  ('crm_email_events', 'svix_id', 'operational', true, false),
  ('crm_email_events', 'type', 'operational', true, false),
  ('crm_email_events', 'payload', 'operational', true, false),
  ('crm_email_events', 'received_at', 'system', false, false),
  ('crm_suppressions', 'client_id', 'system', false, false),
  ('crm_suppressions', 'email', 'identity', true, false),
  ('crm_suppressions', 'reason', 'identity', true, false),
  ('crm_suppressions', 'created_at', 'system', false, false),
  ('crm_unsubscribe_tokens', 'token', 'operational', true, false),
  ('crm_unsubscribe_tokens', 'client_id', 'system', false, false),
  ('crm_unsubscribe_tokens', 'email', 'operational', true, false),
  ('crm_unsubscribe_tokens', 'created_at', 'system', false, false),
  ('crm_inbound_emails', 'id', 'system', false, false),
  ('crm_inbound_emails', 'client_id', 'system', false, false),
  ('crm_inbound_emails', 'provider_id', 'operational', true, false),
  ('crm_inbound_emails', 'from_email', 'operational', true, false),
  ('crm_inbound_emails', 'to_emails', 'operational', true, false),
  ('crm_inbound_emails', 'subject', 'operational', true, false),
  ('crm_inbound_emails', 'message_id', 'operational', true, false),
  ('crm_inbound_emails', 'enrollment_id', 'operational', true, false),
  ('crm_inbound_emails', 'received_at', 'system', false, false);

-- One-click unsubscribe arrives with no session and no client: the token
-- names both. Suppresses the address and stops its active enrollments.
-- Returns the client's id, or null for an unknown token.
CREATE FUNCTION crm_unsubscribe(p_token text, p_apply boolean) RETURNS boolean
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
    INSERT INTO suppressions (workspace_id, email, reason) VALUES (ws, addr, 'unsubscribed')
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

-- When a step is next due: `p_days` days (or business days, Monday to
-- Friday) after `p_from`, moved forward into the send window (hours and
-- ISO weekdays in the sequence's time zone).
CREATE FUNCTION crm_next_send_at(p_from timestamptz, p_days integer, p_business boolean,
                                 p_start time, p_end time, p_weekdays integer[], p_tz text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
  t timestamp := p_from AT TIME ZONE p_tz;
  d date;
  n integer := 0;
BEGIN
  IF p_business THEN
    d := t::date;
    WHILE n < p_days LOOP
      d := d + 1;
      IF extract(isodow FROM d)::integer <= 5 THEN
        n := n + 1;
      END IF;
    END LOOP;
    t := d + t::time;
  ELSE
    t := t + make_interval(days => p_days);
  END IF;
  FOR i IN 0 .. 14 LOOP
    IF extract(isodow FROM t)::integer = ANY (p_weekdays) THEN
      IF t::time < p_start THEN
        RETURN (t::date + p_start) AT TIME ZONE p_tz;
      ELSIF t::time < p_end THEN
        RETURN t AT TIME ZONE p_tz;
      END IF;
    END IF;
    t := (t::date + 1) + p_start;
  END LOOP;
  RETURN t AT TIME ZONE p_tz;
END
$$;

-- A client's id from its slug: provider webhooks name the client in
-- their URL, before any client is chosen. Runs as redkey_engine, which may
-- read every workspace row (0010).
CREATE FUNCTION engine_client_id(p_slug text) RETURNS uuid
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT id FROM workspaces WHERE slug = p_slug;
$$;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_unsubscribe(text,boolean)', 'redkey_agent'),
  ('crm_next_send_at(timestamp with time zone,integer,boolean,time without time zone,time without time zone,integer[],text)', 'redkey_agent'),
  ('crm_next_send_at(timestamp with time zone,integer,boolean,time without time zone,time without time zone,integer[],text)', 'redkey_human'),
  ('engine_client_id(text)', 'redkey_engine');
SELECT redkey_apply_grants();
