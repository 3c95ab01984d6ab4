-- Calendar sync: each synced event resource (href, ETag) and each
-- occurrence of its events inside the sync window, so a changed ETag
-- replaces what the resource held and a vanished resource cancels it.

SET LOCAL ROLE redkey_owner;

CREATE TABLE calendar_events (
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  source_id uuid NOT NULL,
  href text NOT NULL,
  etag text NOT NULL,
  uid text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  summary text,
  attendees text[] NOT NULL DEFAULT '{}',
  cancelled boolean NOT NULL DEFAULT false,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, source_id, uid, starts_at),
  FOREIGN KEY (workspace_id, source_id) REFERENCES ingest_sources (workspace_id, id)
);
CREATE INDEX calendar_events_href ON calendar_events (workspace_id, source_id, href);
CREATE INDEX calendar_events_upcoming ON calendar_events USING gin (attendees);

CREATE VIEW crm_calendar_events AS
SELECT workspace_id AS client_id, source_id, href, etag, uid, starts_at, ends_at, summary,
       attendees, cancelled, synced_at
FROM calendar_events
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

RESET ROLE;

SELECT redkey_isolate('calendar_events');

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_calendar_events', 'client_id', 'system', false, false),
  ('crm_calendar_events', 'source_id', 'operational', true, false),
  ('crm_calendar_events', 'href', 'operational', true, false),
  ('crm_calendar_events', 'etag', 'operational', true, true),
  ('crm_calendar_events', 'uid', 'operational', true, false),
  ('crm_calendar_events', 'starts_at', 'operational', true, false),
  ('crm_calendar_events', 'ends_at', 'operational', true, true),
  ('crm_calendar_events', 'summary', 'operational', true, true),
  ('crm_calendar_events', 'attendees', 'operational', true, true),
  ('crm_calendar_events', 'cancelled', 'operational', true, true),
  ('crm_calendar_events', 'synced_at', 'operational', true, true);
SELECT redkey_apply_grants();
