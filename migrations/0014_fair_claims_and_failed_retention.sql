-- Fair work between clients: each claim serves the client with the fewest
-- running tasks, and among equals the one served longest ago, so one
-- client's flood of tasks cannot starve another's. Priority orders tasks
-- within a client. Tasks other agents created through the API
-- (created_by 'agent:...') run at most p_agent_running at once per client;
-- timers, the engine's own follow-ups and people's tasks are not limited.

-- Objects belong to redkey_owner, like the ones they replace.
SET LOCAL ROLE redkey_owner;

CREATE INDEX tasks_claim_client ON tasks (workspace_id, priority DESC, run_at, id)
  WHERE status = 'queued';
CREATE INDEX tasks_running_client ON tasks (workspace_id) WHERE status = 'running';

DROP FUNCTION engine_claim(text, integer);
CREATE FUNCTION engine_claim(p_instance text, p_limit integer, p_agent_running integer)
RETURNS SETOF tasks
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  c record;
  picked uuid;
  ids uuid[] := '{}';
BEGIN
  FOR c IN
    -- The clients with queued work, one index probe each.
    WITH RECURSIVE queued_clients AS (
      (SELECT workspace_id FROM tasks WHERE status = 'queued' ORDER BY workspace_id LIMIT 1)
      UNION ALL
      SELECT (SELECT t.workspace_id FROM tasks t
              WHERE t.status = 'queued' AND t.workspace_id > q.workspace_id
              ORDER BY t.workspace_id LIMIT 1)
      FROM queued_clients q WHERE q.workspace_id IS NOT NULL
    )
    SELECT q.workspace_id AS client,
           (SELECT count(*) FROM tasks r
            WHERE r.workspace_id = q.workspace_id AND r.status = 'running') AS running,
           (SELECT count(*) FROM tasks r
            WHERE r.workspace_id = q.workspace_id AND r.status = 'running'
              AND r.created_by LIKE 'agent:%') AS agent_running,
           (SELECT max(started_at) FROM task_runs s
            WHERE s.workspace_id = q.workspace_id) AS last_served
    FROM queued_clients q
    WHERE q.workspace_id IS NOT NULL
    ORDER BY running, last_served NULLS FIRST, q.workspace_id
  LOOP
    EXIT WHEN cardinality(ids) >= p_limit;
    SELECT id INTO picked FROM tasks
    WHERE workspace_id = c.client AND status = 'queued' AND run_at <= now()
      AND (c.agent_running < p_agent_running OR created_by NOT LIKE 'agent:%')
    ORDER BY priority DESC, run_at, id
    LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
      ids := ids || picked;
    END IF;
  END LOOP;
  RETURN QUERY
  WITH claimed AS (
    UPDATE tasks SET status = 'running', attempts = attempts + 1, locked_by = p_instance,
                     heartbeat_at = now(), started_at = now()
    WHERE id = ANY (ids)
    RETURNING *
  ), runs AS (
    INSERT INTO task_runs (workspace_id, task_id, attempt, instance)
    SELECT workspace_id, id, attempts, p_instance FROM claimed
  )
  SELECT * FROM claimed;
END
$$;

-- Failed tasks are kept longer than successes (someone may retry them),
-- but not forever.
DROP FUNCTION engine_prune(interval);
CREATE FUNCTION engine_prune(p_older interval, p_failed_older interval) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE gone uuid[];
BEGIN
  SELECT coalesce(array_agg(id), '{}') INTO gone FROM tasks
  WHERE (status IN ('succeeded', 'cancelled') AND finished_at < now() - p_older)
     OR (status = 'failed' AND finished_at < now() - p_failed_older);
  DELETE FROM task_runs WHERE task_id = ANY (gone);
  DELETE FROM tasks WHERE id = ANY (gone);
  RETURN cardinality(gone);
END
$$;

RESET ROLE;

UPDATE redkey_function_policy SET signature = 'engine_claim(text,integer,integer)'
  WHERE signature = 'engine_claim(text,integer)';
UPDATE redkey_function_policy SET signature = 'engine_prune(interval,interval)'
  WHERE signature = 'engine_prune(interval)';
SELECT redkey_apply_grants();
