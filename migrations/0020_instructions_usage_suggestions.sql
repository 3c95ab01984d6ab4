-- Arlo's judgment: a strategic.instruct task carries the stored human
-- instruction it acts on (set by whoever stored it, never by a caller of
-- the API); the model's token use per task attempt, for the per-client
-- daily budget and the Arlo page; and suggestions, what arlo infers about
-- strategic fields and a person accepts or dismisses.

SET LOCAL ROLE redkey_owner;

ALTER TABLE tasks ADD COLUMN instruction_id uuid,
  ADD CONSTRAINT tasks_instruction_fk FOREIGN KEY (workspace_id, instruction_id)
    REFERENCES human_instructions (workspace_id, id),
  ADD CONSTRAINT tasks_instruct_needs_instruction
    CHECK (kind <> 'strategic.instruct' OR instruction_id IS NOT NULL);

CREATE OR REPLACE VIEW crm_tasks AS
SELECT id, workspace_id AS client_id, topic, kind, payload, status, priority, run_at,
       attempts, max_attempts, locked_by, heartbeat_at, started_at, finished_at, result,
       last_error, created_by, dedupe_key, created_at, updated_at, instruction_id
FROM tasks
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

-- One model call: which task attempt made it and what it cost. No foreign
-- key to tasks: usage outlives the pruning of finished tasks.
CREATE TABLE model_calls (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  task_id uuid NOT NULL,
  attempt integer NOT NULL CHECK (attempt >= 0),
  model text NOT NULL,
  input_tokens integer NOT NULL CHECK (input_tokens >= 0),
  output_tokens integer NOT NULL CHECK (output_tokens >= 0),
  called_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX model_calls_day ON model_calls (workspace_id, called_at);
CREATE INDEX model_calls_task ON model_calls (task_id, attempt);

CREATE VIEW crm_model_calls AS
SELECT id, workspace_id AS client_id, task_id, attempt, model, input_tokens, output_tokens,
       called_at
FROM model_calls
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

-- A strategic change arlo inferred and a person decides on. The record is
-- named by kind and id (one table for three kinds, so no foreign key);
-- accepting reads it through the client's views, so another client's id
-- names nothing.
CREATE TABLE suggestions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  record_kind text NOT NULL CHECK (record_kind IN ('contact', 'company', 'deal')),
  record_id uuid NOT NULL,
  field text NOT NULL CHECK (field IN ('priority', 'recontact_at', 'strategy_note',
                                       'relationship_note')),
  proposed jsonb NOT NULL,
  why text NOT NULL CHECK (btrim(why) <> '' AND length(why) <= 2000),
  source text NOT NULL CHECK (btrim(source) <> '' AND length(source) <= 200),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'dismissed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  decided_by uuid,
  UNIQUE (workspace_id, id)
);
-- The same inference from the same source is one suggestion (a retried
-- task does not suggest twice).
CREATE UNIQUE INDEX suggestions_once ON suggestions (workspace_id, source, record_id, field);
CREATE INDEX suggestions_open ON suggestions (workspace_id, created_at DESC) WHERE status = 'open';

CREATE VIEW crm_suggestions AS
SELECT id, workspace_id AS client_id, record_kind, record_id, field, proposed, why, source,
       status, created_at, decided_at, decided_by
FROM suggestions
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

-- A person's decision on an open suggestion. Applying an accepted one is
-- the caller's write, as the same person, in the same transaction.
CREATE FUNCTION crm_decide_suggestion(p_id uuid, p_accept boolean)
RETURNS suggestions
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  s suggestions;
BEGIN
  IF uid IS NULL THEN
    RAISE EXCEPTION 'only a signed-in person decides on a suggestion' USING ERRCODE = 'RK001';
  END IF;
  UPDATE suggestions
  SET status = CASE WHEN p_accept THEN 'accepted' ELSE 'dismissed' END,
      decided_at = now(), decided_by = uid
  WHERE id = p_id AND workspace_id = redkey_client_id() AND status = 'open'
  RETURNING * INTO s;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no open suggestion with this id' USING ERRCODE = 'no_data_found';
  END IF;
  RETURN s;
END
$$;

RESET ROLE;

SELECT redkey_isolate('model_calls', 'suggestions');

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_tasks', 'instruction_id', 'strategic', true, false),
  ('crm_model_calls', 'id', 'system', false, false),
  ('crm_model_calls', 'client_id', 'system', false, false),
  ('crm_model_calls', 'task_id', 'operational', true, false),
  ('crm_model_calls', 'attempt', 'operational', true, false),
  ('crm_model_calls', 'model', 'operational', true, false),
  ('crm_model_calls', 'input_tokens', 'operational', true, false),
  ('crm_model_calls', 'output_tokens', 'operational', true, false),
  ('crm_model_calls', 'called_at', 'system', false, false),
  ('crm_suggestions', 'id', 'system', false, false),
  ('crm_suggestions', 'client_id', 'system', false, false),
  ('crm_suggestions', 'record_kind', 'operational', true, false),
  ('crm_suggestions', 'record_id', 'operational', true, false),
  ('crm_suggestions', 'field', 'operational', true, false),
  ('crm_suggestions', 'proposed', 'operational', true, false),
  ('crm_suggestions', 'why', 'operational', true, false),
  ('crm_suggestions', 'source', 'operational', true, false),
  ('crm_suggestions', 'status', 'system', false, false),
  ('crm_suggestions', 'created_at', 'system', false, false),
  ('crm_suggestions', 'decided_at', 'system', false, false),
  ('crm_suggestions', 'decided_by', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_decide_suggestion(uuid,boolean)', 'redkey_human');
SELECT redkey_apply_grants();
