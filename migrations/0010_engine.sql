-- The engine: arlo's task queue, timer ticks, topic messages, per-client
-- schedules and the API tokens of other agents.
--
-- Client code (cockpit, API, task handlers) reads and writes through the
-- client-scoped crm_* views like everything else. Claiming, heartbeats,
-- rescue and timers work across clients: they run as redkey_engine, which
-- alone has privileges on these tables, and only through the engine_*
-- functions below (SECURITY INVOKER, so the engine's own RLS policy applies).

SET LOCAL ROLE redkey_owner;

CREATE TYPE task_status AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

CREATE TABLE tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  topic text NOT NULL CHECK (topic ~ '^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$' AND length(topic) <= 100),
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$' AND length(kind) <= 100),
  payload jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
  status task_status NOT NULL DEFAULT 'queued',
  priority integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN -100 AND 100),
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
  locked_by text,
  heartbeat_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  result jsonb,
  last_error text,
  created_by text NOT NULL CHECK (created_by ~ '^(user|agent|timer|engine):.+$'),
  dedupe_key text CHECK (length(dedupe_key) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, id)
);
-- A dedupe key is unique while its task is unfinished; the same work may
-- be asked for again once it is done.
CREATE UNIQUE INDEX tasks_dedupe_open ON tasks (workspace_id, dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');
CREATE INDEX tasks_claim ON tasks (priority DESC, run_at, id) WHERE status = 'queued';
CREATE INDEX tasks_running ON tasks (heartbeat_at) WHERE status = 'running';
CREATE INDEX tasks_recent ON tasks (workspace_id, updated_at DESC);
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON tasks
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();

-- One row per attempt: who ran it, for how long, and how it ended.
CREATE TABLE task_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  task_id uuid NOT NULL,
  attempt integer NOT NULL,
  instance text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  outcome text CHECK (outcome IN ('succeeded', 'retry', 'failed', 'rescued', 'released')),
  error text,
  FOREIGN KEY (workspace_id, task_id) REFERENCES tasks (workspace_id, id)
);
CREATE INDEX task_runs_task ON task_runs (task_id, attempt);
CREATE INDEX task_runs_recent ON task_runs (workspace_id, started_at DESC);

-- A timer's tick for a (kind, client, slot) exists once, forever, however
-- many instances try to create it and however late they are.
CREATE TABLE timer_ticks (
  kind text NOT NULL,
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  slot_start timestamptz NOT NULL,
  task_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, workspace_id, slot_start)
);

-- When the daily pipeline-health check runs, in the client's time zone.
CREATE TABLE client_schedules (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces (id),
  health_check_at time NOT NULL DEFAULT '08:00',
  time_zone text NOT NULL DEFAULT 'UTC'
);

CREATE TABLE topic_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  topic text NOT NULL CHECK (topic ~ '^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$' AND length(topic) <= 100),
  body jsonb NOT NULL,
  task_id uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX topic_messages_read ON topic_messages (workspace_id, topic, id);

-- Other agents' bearer tokens: only a SHA-256 of each is stored (the
-- tokens are 256 random bits, so a slow hash buys nothing).
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  agent text NOT NULL CHECK (agent ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['tasks', 'task_runs', 'timer_ticks', 'client_schedules', 'topic_messages']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY client_isolation ON %I TO PUBLIC
      USING (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)
      WITH CHECK (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)$p$, t);
  END LOOP;
END
$$;
-- The engine works across clients. These policies name redkey_engine, so
-- they never apply through a view (views are checked as their owner).
CREATE POLICY engine_all ON tasks TO redkey_engine USING (true) WITH CHECK (true);
CREATE POLICY engine_all ON task_runs TO redkey_engine USING (true) WITH CHECK (true);
CREATE POLICY engine_all ON timer_ticks TO redkey_engine USING (true) WITH CHECK (true);
CREATE POLICY engine_all ON client_schedules TO redkey_engine USING (true);
CREATE POLICY engine_read ON workspaces FOR SELECT TO redkey_engine USING (true);
GRANT SELECT, INSERT, UPDATE ON tasks TO redkey_engine;
GRANT SELECT, INSERT, UPDATE ON task_runs TO redkey_engine;
GRANT SELECT, INSERT, UPDATE ON timer_ticks TO redkey_engine;
GRANT SELECT ON client_schedules, workspaces TO redkey_engine;

-- Idle workers wake on this channel when a task becomes claimable.
CREATE FUNCTION redkey_tasks_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('redkey_tasks', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER tasks_notify AFTER INSERT OR UPDATE OF status ON tasks
  FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION redkey_tasks_notify();

-- Client-scoped views.
CREATE VIEW crm_tasks AS
SELECT id, workspace_id AS client_id, topic, kind, payload, status, priority, run_at,
       attempts, max_attempts, locked_by, heartbeat_at, started_at, finished_at, result,
       last_error, created_by, dedupe_key, created_at, updated_at
FROM tasks
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_task_runs AS
SELECT r.id, r.workspace_id AS client_id, r.task_id, t.kind, r.attempt, r.instance,
       r.started_at, r.finished_at, r.outcome, r.error
FROM task_runs r JOIN tasks t ON t.id = r.task_id
WHERE r.workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid;

CREATE VIEW crm_timer_ticks AS
SELECT kind, workspace_id AS client_id, slot_start, task_id, created_at
FROM timer_ticks
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid;

CREATE VIEW crm_client_schedule AS
SELECT w.id AS client_id, coalesce(s.health_check_at, '08:00') AS health_check_at,
       coalesce(s.time_zone, 'UTC') AS time_zone
FROM workspaces w LEFT JOIN client_schedules s ON s.workspace_id = w.id
WHERE w.id = NULLIF(current_setting('redkey.client_id', true), '')::uuid;

CREATE VIEW crm_topic_messages AS
SELECT id, workspace_id AS client_id, topic, body, task_id, created_at
FROM topic_messages
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_tasks', 'id', 'system', false, false),
  ('crm_tasks', 'client_id', 'system', false, false),
  ('crm_tasks', 'topic', 'identity', true, false),
  ('crm_tasks', 'kind', 'identity', true, false),
  ('crm_tasks', 'payload', 'identity', true, false),
  ('crm_tasks', 'status', 'system', false, false),
  ('crm_tasks', 'priority', 'identity', true, false),
  ('crm_tasks', 'run_at', 'identity', true, false),
  ('crm_tasks', 'attempts', 'system', false, false),
  ('crm_tasks', 'max_attempts', 'identity', true, false),
  ('crm_tasks', 'locked_by', 'system', false, false),
  ('crm_tasks', 'heartbeat_at', 'system', false, false),
  ('crm_tasks', 'started_at', 'system', false, false),
  ('crm_tasks', 'finished_at', 'system', false, false),
  ('crm_tasks', 'result', 'system', false, false),
  ('crm_tasks', 'last_error', 'system', false, false),
  ('crm_tasks', 'created_by', 'identity', true, false),
  ('crm_tasks', 'dedupe_key', 'identity', true, false),
  ('crm_tasks', 'created_at', 'system', false, false),
  ('crm_tasks', 'updated_at', 'system', false, false),
  ('crm_topic_messages', 'id', 'system', false, false),
  ('crm_topic_messages', 'client_id', 'system', false, false),
  ('crm_topic_messages', 'topic', 'operational', true, false),
  ('crm_topic_messages', 'body', 'operational', true, false),
  ('crm_topic_messages', 'task_id', 'operational', true, false),
  ('crm_topic_messages', 'created_at', 'system', false, false);

-- A failed or cancelled task, queued again from the start.
CREATE FUNCTION crm_retry_task(p_task uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE tasks SET status = 'queued', attempts = 0, run_at = now(), finished_at = NULL
  WHERE id = p_task AND status IN ('failed', 'cancelled')
    AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no failed or cancelled task with that id' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

-- A queued task, withdrawn before it runs.
CREATE FUNCTION crm_cancel_task(p_task uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE tasks SET status = 'cancelled', finished_at = now()
  WHERE id = p_task AND status = 'queued'
    AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no queued task with that id' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

-- An agent's token, looked up by its hash before any client is chosen.
CREATE FUNCTION crm_api_token(p_hash bytea)
RETURNS TABLE (id uuid, client_id uuid, agent text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, workspace_id, agent FROM api_tokens WHERE token_hash = p_hash AND revoked_at IS NULL;
$$;

-- Engine functions: run as redkey_engine, across clients.

-- Claims up to p_limit due tasks for an instance and opens a run for each.
CREATE FUNCTION engine_claim(p_instance text, p_limit integer)
RETURNS SETOF tasks
LANGUAGE sql SET search_path = public, pg_temp AS $$
  WITH claimed AS (
    UPDATE tasks SET status = 'running', attempts = attempts + 1, locked_by = p_instance,
                     heartbeat_at = now(), started_at = now()
    WHERE id IN (SELECT id FROM tasks WHERE status = 'queued' AND run_at <= now()
                 ORDER BY priority DESC, run_at, id
                 LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING *
  ), runs AS (
    INSERT INTO task_runs (workspace_id, task_id, attempt, instance)
    SELECT workspace_id, id, attempts, p_instance FROM claimed
  )
  SELECT * FROM claimed;
$$;

CREATE FUNCTION engine_heartbeat(p_instance text, p_tasks uuid[]) RETURNS integer
LANGUAGE sql SET search_path = public, pg_temp AS $$
  WITH beat AS (
    UPDATE tasks SET heartbeat_at = now()
    WHERE id = ANY (p_tasks) AND status = 'running' AND locked_by = p_instance
    RETURNING 1
  ) SELECT count(*)::integer FROM beat;
$$;

-- Records an attempt's outcome: 'succeeded', 'retry' (queued again at
-- p_retry_at) or 'failed'. Does nothing, and says so, when the task is no
-- longer this instance's (it was rescued meanwhile).
CREATE FUNCTION engine_finish(p_task uuid, p_instance text, p_outcome text, p_result jsonb,
                              p_error text, p_retry_at timestamptz)
RETURNS boolean
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE tasks SET
    status = CASE p_outcome WHEN 'succeeded' THEN 'succeeded'::task_status
                            WHEN 'retry' THEN 'queued'::task_status
                            ELSE 'failed'::task_status END,
    result = coalesce(p_result, result),
    last_error = CASE WHEN p_outcome = 'succeeded' THEN last_error ELSE p_error END,
    run_at = CASE WHEN p_outcome = 'retry' THEN p_retry_at ELSE run_at END,
    finished_at = CASE WHEN p_outcome = 'retry' THEN NULL ELSE now() END,
    locked_by = NULL, heartbeat_at = NULL
  WHERE id = p_task AND status = 'running' AND locked_by = p_instance;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE task_runs SET finished_at = now(), outcome = p_outcome, error = p_error
  WHERE task_id = p_task AND instance = p_instance AND finished_at IS NULL;
  RETURN true;
END
$$;

-- Gives back unfinished tasks at shutdown, without counting the attempt.
CREATE FUNCTION engine_release(p_instance text, p_tasks uuid[]) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE n integer;
BEGIN
  UPDATE task_runs SET finished_at = now(), outcome = 'released'
  WHERE task_id = ANY (p_tasks) AND instance = p_instance AND finished_at IS NULL;
  UPDATE tasks SET status = 'queued', attempts = greatest(attempts - 1, 0), locked_by = NULL,
                   heartbeat_at = NULL, run_at = now()
  WHERE id = ANY (p_tasks) AND status = 'running' AND locked_by = p_instance;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- Re-queues running tasks whose instance stopped heartbeating (it
-- crashed); a task that has used all its attempts fails instead.
CREATE FUNCTION engine_rescue(p_stale interval) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE n integer;
BEGIN
  WITH stale AS (
    SELECT id, locked_by FROM tasks
    WHERE status = 'running' AND heartbeat_at < now() - p_stale
    FOR UPDATE SKIP LOCKED
  ), runs AS (
    UPDATE task_runs r SET finished_at = now(), outcome = 'rescued',
                           error = 'instance ' || s.locked_by || ' stopped heartbeating'
    FROM stale s WHERE r.task_id = s.id AND r.instance = s.locked_by AND r.finished_at IS NULL
  )
  UPDATE tasks t SET
    status = CASE WHEN t.attempts >= t.max_attempts THEN 'failed'::task_status
                  ELSE 'queued'::task_status END,
    finished_at = CASE WHEN t.attempts >= t.max_attempts THEN now() END,
    last_error = 'instance ' || s.locked_by || ' stopped heartbeating',
    locked_by = NULL, heartbeat_at = NULL, run_at = now()
  FROM stale s WHERE t.id = s.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- The start of the latest daily slot at or before p_now: p_at local time
-- in the zone p_tz (date arithmetic in local time, so DST days are right).
CREATE FUNCTION crm_daily_slot(p_now timestamptz, p_at time, p_tz text) RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT (CASE WHEN (p_now AT TIME ZONE p_tz)::time >= p_at
               THEN (p_now AT TIME ZONE p_tz)::date
               ELSE (p_now AT TIME ZONE p_tz)::date - 1 END + p_at) AT TIME ZONE p_tz;
$$;

-- Every client with the start of its current daily health-check slot.
CREATE FUNCTION engine_clients(p_now timestamptz)
RETURNS TABLE (client_id uuid, slug text, daily_slot timestamptz)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT w.id, w.slug,
         crm_daily_slot(p_now, coalesce(s.health_check_at, '08:00'), coalesce(s.time_zone, 'UTC'))
  FROM workspaces w
  LEFT JOIN client_schedules s ON s.workspace_id = w.id
  ORDER BY w.slug;
$$;

-- Creates a timer's tick and its task, once per (kind, client, slot). A
-- tick whose previous task is still unfinished is recorded without a task.
-- Returns the new task's id, or null when the tick already existed.
CREATE FUNCTION engine_tick(p_kind text, p_topic text, p_client uuid, p_slot timestamptz)
RETURNS uuid
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  task uuid;
BEGIN
  INSERT INTO timer_ticks (kind, workspace_id, slot_start) VALUES (p_kind, p_client, p_slot)
  ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  INSERT INTO tasks (workspace_id, topic, kind, payload, created_by, dedupe_key)
  VALUES (p_client, p_topic, p_kind, jsonb_build_object('slot', p_slot), 'timer:' || p_kind,
          'timer:' || p_kind)
  ON CONFLICT (workspace_id, dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running')
  DO NOTHING
  RETURNING id INTO task;
  UPDATE timer_ticks SET task_id = task
  WHERE kind = p_kind AND workspace_id = p_client AND slot_start = p_slot;
  RETURN task;
END
$$;

-- Finished work older than the retention goes, with its runs; failed tasks
-- stay until someone retries them. Timer ticks stay: they are what makes
-- a slot fire once.
CREATE FUNCTION engine_prune(p_older interval) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE n integer;
BEGIN
  DELETE FROM task_runs r USING tasks t
  WHERE r.task_id = t.id AND t.status IN ('succeeded', 'cancelled')
    AND t.finished_at < now() - p_older;
  DELETE FROM tasks WHERE status IN ('succeeded', 'cancelled') AND finished_at < now() - p_older;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
GRANT DELETE ON tasks, task_runs TO redkey_engine;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('engine_prune(interval)', 'redkey_engine'),
  ('crm_retry_task(uuid)', 'redkey_human'),
  ('crm_cancel_task(uuid)', 'redkey_human'),
  ('crm_cancel_task(uuid)', 'redkey_agent'),
  ('crm_api_token(bytea)', 'redkey_agent'),
  ('engine_claim(text,integer)', 'redkey_engine'),
  ('engine_heartbeat(text,uuid[])', 'redkey_engine'),
  ('engine_finish(uuid,text,text,jsonb,text,timestamp with time zone)', 'redkey_engine'),
  ('engine_release(text,uuid[])', 'redkey_engine'),
  ('engine_rescue(interval)', 'redkey_engine'),
  ('engine_clients(timestamp with time zone)', 'redkey_engine'),
  ('crm_daily_slot(timestamp with time zone,time without time zone,text)', 'redkey_engine'),
  ('crm_daily_slot(timestamp with time zone,time without time zone,text)', 'redkey_human'),
  ('engine_tick(text,text,uuid,timestamp with time zone)', 'redkey_engine');
SELECT redkey_apply_grants();

-- A task posts at most one message per topic, so a re-run after a crash
-- does not post twice.
CREATE UNIQUE INDEX topic_messages_once ON topic_messages (workspace_id, task_id, topic)
  WHERE task_id IS NOT NULL;
