-- To-dos: Twenty's `task` and `taskTarget`. The queue already owns `tasks`
-- and `crm_tasks`, so these are `todos` / `todo_targets` behind
-- `crm_todos` / `crm_todo_targets`. Anyone may create one (arlo too: an
-- operational act); its status changes only through `crm_set_todo_status`,
-- a human-only function, so arlo can never complete a person's to-do.

SET LOCAL ROLE redkey_owner;

CREATE TYPE todo_status AS ENUM ('TODO', 'IN_PROGRESS', 'DONE');

CREATE TABLE todos (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  title text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 300),
  body_v2_markdown text NOT NULL DEFAULT '' CHECK (length(body_v2_markdown) <= 20000),
  due_at timestamptz,
  status todo_status NOT NULL DEFAULT 'TODO',
  assignee_id uuid,
  position double precision NOT NULL DEFAULT 0,
  created_by_source created_by_source NOT NULL DEFAULT 'MANUAL',
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  CHECK ((status = 'DONE') = (completed_at IS NOT NULL)),
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, assignee_id) REFERENCES workspace_members (workspace_id, id)
);
-- The to-dos page: open ones, due first (no due date last). Open means
-- not completed: crm_set_todo_status keeps completed_at with the status.
CREATE INDEX todos_open ON todos (workspace_id, due_at NULLS LAST, created_at)
  WHERE deleted_at IS NULL AND completed_at IS NULL;
CREATE INDEX todos_done ON todos (workspace_id, completed_at DESC)
  WHERE deleted_at IS NULL AND completed_at IS NOT NULL;
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON todos
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();

CREATE TABLE todo_targets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL DEFAULT redkey_client_id(),
  todo_id uuid NOT NULL,
  target_person_id uuid,
  target_company_id uuid,
  target_opportunity_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(target_person_id, target_company_id, target_opportunity_id) = 1),
  FOREIGN KEY (workspace_id, todo_id) REFERENCES todos (workspace_id, id),
  FOREIGN KEY (workspace_id, target_person_id) REFERENCES people (workspace_id, id),
  FOREIGN KEY (workspace_id, target_company_id) REFERENCES companies (workspace_id, id),
  FOREIGN KEY (workspace_id, target_opportunity_id) REFERENCES opportunities (workspace_id, id)
);
CREATE INDEX todo_targets_todo ON todo_targets (workspace_id, todo_id);
CREATE INDEX todo_targets_person ON todo_targets (workspace_id, target_person_id)
  WHERE target_person_id IS NOT NULL;
CREATE INDEX todo_targets_company ON todo_targets (workspace_id, target_company_id)
  WHERE target_company_id IS NOT NULL;
CREATE INDEX todo_targets_opportunity ON todo_targets (workspace_id, target_opportunity_id)
  WHERE target_opportunity_id IS NOT NULL;

-- status is text here so the application reads it like its other closed
-- sets; the view never writes it (see crm_set_todo_status).
CREATE VIEW crm_todos AS
SELECT id, workspace_id AS client_id, title, body_v2_markdown AS body_markdown, due_at,
       status::text AS status, assignee_id, created_by_source, completed_at,
       created_at, updated_at
FROM todos
WHERE deleted_at IS NULL AND workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_todo_targets AS
SELECT id, workspace_id AS client_id, todo_id, target_person_id AS contact_id,
       target_company_id AS company_id, target_opportunity_id AS deal_id, created_at
FROM todo_targets
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

-- A person starts, completes or reopens a to-do. Row security keeps it to
-- the current client: another client's id reads as not found.
CREATE FUNCTION crm_set_todo_status(p_todo uuid, p_status text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  s todo_status;
BEGIN
  IF p_status IS NULL OR p_status NOT IN ('TODO', 'IN_PROGRESS', 'DONE') THEN
    RAISE EXCEPTION 'unknown to-do status %', p_status USING ERRCODE = 'invalid_parameter_value';
  END IF;
  s := p_status::todo_status;
  UPDATE todos
  SET status = s,
      completed_at = CASE WHEN s = 'DONE' THEN coalesce(completed_at, now()) END
  WHERE id = p_todo AND deleted_at IS NULL AND workspace_id = redkey_client_id();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'to-do not found' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

-- Soft delete and restore learn the new kind.
CREATE OR REPLACE FUNCTION redkey_soft_table(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_kind
    WHEN 'contact' THEN 'people' WHEN 'company' THEN 'companies'
    WHEN 'deal' THEN 'opportunities' WHEN 'activity' THEN 'activities'
    WHEN 'note' THEN 'notes' WHEN 'attachment' THEN 'attachments'
    WHEN 'sequence' THEN 'sequences' WHEN 'todo' THEN 'todos' END;
$$;

-- A company page's timeline (activities logged on the company).
CREATE INDEX activities_company ON activities (workspace_id, company_id, happens_at DESC)
  WHERE company_id IS NOT NULL;

RESET ROLE;

SELECT redkey_isolate('todos', 'todo_targets');

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_todos', 'id', 'system', false, false),
  ('crm_todos', 'client_id', 'system', false, false),
  ('crm_todos', 'title', 'identity', true, true),
  ('crm_todos', 'body_markdown', 'identity', true, true),
  ('crm_todos', 'due_at', 'identity', true, true),
  ('crm_todos', 'status', 'system', false, false),
  ('crm_todos', 'assignee_id', 'identity', true, true),
  ('crm_todos', 'created_by_source', 'system', true, false),
  ('crm_todos', 'completed_at', 'system', false, false),
  ('crm_todos', 'created_at', 'system', false, false),
  ('crm_todos', 'updated_at', 'system', false, false),
  ('crm_todo_targets', 'id', 'system', false, false),
  ('crm_todo_targets', 'client_id', 'system', false, false),
  ('crm_todo_targets', 'todo_id', 'identity', true, false),
  ('crm_todo_targets', 'contact_id', 'identity', true, false),
  ('crm_todo_targets', 'company_id', 'identity', true, false),
  ('crm_todo_targets', 'deal_id', 'identity', true, false),
  ('crm_todo_targets', 'created_at', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_set_todo_status(uuid,text)', 'redkey_human');
SELECT redkey_apply_grants();
