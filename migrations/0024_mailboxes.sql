-- Mailbox sync: where each folder's sync stands (UIDVALIDITY, last UID),
-- and every message once per client (keyed by Message-ID), threaded. A
-- mailbox belongs to a person; message bodies are shown only to them unless
-- the mailbox shares them, enforced here so search, export and agents
-- respect it too.

SET LOCAL ROLE redkey_owner;

ALTER TABLE ingest_sources ADD COLUMN owner_user uuid;

CREATE TABLE mailbox_folders (
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  source_id uuid NOT NULL,
  folder text NOT NULL,
  uidvalidity bigint NOT NULL,
  last_uid bigint NOT NULL DEFAULT 0,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, source_id, folder),
  FOREIGN KEY (workspace_id, source_id) REFERENCES ingest_sources (workspace_id, id)
);

CREATE TABLE email_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  source_id uuid NOT NULL,
  message_id text NOT NULL CHECK (length(message_id) BETWEEN 1 AND 1000),
  thread_key text NOT NULL,
  in_reply_to text,
  direction text NOT NULL CHECK (direction IN ('in', 'out')),
  from_email text NOT NULL,
  from_name text,
  to_emails text[] NOT NULL DEFAULT '{}',
  subject text,
  body_text text,
  sent_at timestamptz NOT NULL,
  automatic boolean NOT NULL DEFAULT false,
  bulk boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, message_id),
  FOREIGN KEY (workspace_id, source_id) REFERENCES ingest_sources (workspace_id, id)
);
CREATE INDEX email_messages_from ON email_messages (workspace_id, lower(from_email));
CREATE INDEX email_messages_to ON email_messages USING gin (to_emails);
CREATE INDEX email_messages_thread ON email_messages (workspace_id, thread_key);

CREATE VIEW crm_mailbox_folders AS
SELECT workspace_id AS client_id, source_id, folder, uidvalidity, last_uid, synced_at
FROM mailbox_folders
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

-- The body only for the mailbox's owner, or everyone when it is shared.
CREATE VIEW crm_email_messages AS
SELECT m.id, m.workspace_id AS client_id, m.source_id, m.message_id, m.thread_key,
       m.in_reply_to, m.direction, m.from_email, m.from_name, m.to_emails, m.subject,
       CASE WHEN s.owner_user = NULLIF(current_setting('redkey.user_id', true), '')::uuid
              OR coalesce((s.settings ->> 'share_bodies')::boolean, false)
            THEN m.body_text END AS body_text,
       m.sent_at, m.automatic, m.bulk, m.created_at
FROM email_messages m
JOIN ingest_sources s ON s.workspace_id = m.workspace_id AND s.id = m.source_id
WHERE m.workspace_id = redkey_client_id();

-- Arlo stores what it synced (the view above is read-only: it joins).
CREATE FUNCTION crm_store_email(p_source uuid, p_message_id text, p_thread_key text,
  p_in_reply_to text, p_direction text, p_from_email text, p_from_name text,
  p_to_emails text[], p_subject text, p_body_text text, p_sent_at timestamptz,
  p_automatic boolean, p_bulk boolean)
RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO email_messages (workspace_id, source_id, message_id, thread_key, in_reply_to,
    direction, from_email, from_name, to_emails, subject, body_text, sent_at, automatic, bulk)
  SELECT redkey_client_id(), p_source, p_message_id, p_thread_key, p_in_reply_to, p_direction,
         lower(p_from_email), p_from_name, p_to_emails, p_subject, p_body_text, p_sent_at,
         p_automatic, p_bulk
  WHERE EXISTS (SELECT 1 FROM ingest_sources WHERE id = p_source AND workspace_id = redkey_client_id())
  ON CONFLICT (workspace_id, message_id) DO NOTHING
  RETURNING id
$$;

RESET ROLE;

SELECT redkey_isolate('mailbox_folders', 'email_messages');

CREATE OR REPLACE VIEW crm_sources AS
SELECT id, workspace_id AS client_id, kind, name, public_key, settings,
       secret IS NOT NULL AS has_secret, created_at, updated_at, owner_user
FROM ingest_sources
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_sources', 'owner_user', 'identity', true, false),
  ('crm_mailbox_folders', 'client_id', 'system', false, false),
  ('crm_mailbox_folders', 'source_id', 'operational', true, false),
  ('crm_mailbox_folders', 'folder', 'operational', true, false),
  ('crm_mailbox_folders', 'uidvalidity', 'operational', true, true),
  ('crm_mailbox_folders', 'last_uid', 'operational', true, true),
  ('crm_mailbox_folders', 'synced_at', 'operational', true, true),
  ('crm_email_messages', 'id', 'system', false, false),
  ('crm_email_messages', 'client_id', 'system', false, false),
  ('crm_email_messages', 'source_id', 'system', false, false),
  ('crm_email_messages', 'message_id', 'system', false, false),
  ('crm_email_messages', 'thread_key', 'system', false, false),
  ('crm_email_messages', 'in_reply_to', 'system', false, false),
  ('crm_email_messages', 'direction', 'system', false, false),
  ('crm_email_messages', 'from_email', 'system', false, false),
  ('crm_email_messages', 'from_name', 'system', false, false),
  ('crm_email_messages', 'to_emails', 'system', false, false),
  ('crm_email_messages', 'subject', 'system', false, false),
  ('crm_email_messages', 'body_text', 'system', false, false),
  ('crm_email_messages', 'sent_at', 'system', false, false),
  ('crm_email_messages', 'automatic', 'system', false, false),
  ('crm_email_messages', 'bulk', 'system', false, false),
  ('crm_email_messages', 'created_at', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_store_email(uuid,text,text,text,text,text,text,text[],text,text,timestamp with time zone,boolean,boolean)', 'redkey_agent');
SELECT redkey_apply_grants();
