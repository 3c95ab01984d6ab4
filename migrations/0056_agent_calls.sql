-- What other agents asked of RedKey over MCP, one row per tool call or
-- resource read, for the Arlo page. Apart from activities on purpose: a
-- lookup is no contact with anyone, and must not move last_activity_at.
-- The summary is the tool's own short line (never the caller's full
-- arguments, which may hold personal data the erasure would miss).

SET LOCAL ROLE redkey_owner;

CREATE TABLE agent_calls (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  agent text NOT NULL CHECK (btrim(agent) <> '' AND length(agent) <= 100),
  tool text NOT NULL CHECK (tool ~ '^[a-z_:/{}]{1,100}$'),
  ok boolean NOT NULL,
  summary text NOT NULL CHECK (length(summary) <= 300),
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  task_id uuid,
  called_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_calls_recent ON agent_calls (workspace_id, called_at DESC, id DESC);

CREATE VIEW crm_agent_calls AS
SELECT id, workspace_id AS client_id, agent, tool, ok, summary, duration_ms, task_id, called_at
FROM agent_calls
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

RESET ROLE;

SELECT redkey_isolate('agent_calls');

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_agent_calls', 'id', 'system', false, false),
  ('crm_agent_calls', 'client_id', 'system', false, false),
  ('crm_agent_calls', 'agent', 'operational', true, false),
  ('crm_agent_calls', 'tool', 'operational', true, false),
  ('crm_agent_calls', 'ok', 'operational', true, false),
  ('crm_agent_calls', 'summary', 'operational', true, false),
  ('crm_agent_calls', 'duration_ms', 'operational', true, false),
  ('crm_agent_calls', 'task_id', 'operational', true, false),
  ('crm_agent_calls', 'called_at', 'system', false, false);
SELECT redkey_apply_grants();
