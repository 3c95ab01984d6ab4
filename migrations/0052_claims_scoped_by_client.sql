-- A runner scoped to some of a database's clients claims only their
-- tasks: the same fair claim, over the clients it serves (NULL: all).

SET LOCAL ROLE redkey_owner;

DROP FUNCTION engine_claim(text, integer, integer);

CREATE FUNCTION engine_claim(p_instance text, p_limit integer, p_agent_running integer,
                             p_clients uuid[])
RETURNS SETOF tasks
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  cand record;
  ids uuid[] := '{}';
  clients uuid[];
  agent_counts bigint[];
  share integer;
  agents bigint;
BEGIN
  WITH RECURSIVE queued_clients AS (
    (SELECT workspace_id FROM tasks WHERE status = 'queued' ORDER BY workspace_id LIMIT 1)
    UNION ALL
    SELECT (SELECT t.workspace_id FROM tasks t
            WHERE t.status = 'queued' AND t.workspace_id > q.workspace_id
            ORDER BY t.workspace_id LIMIT 1)
    FROM queued_clients q WHERE q.workspace_id IS NOT NULL
  ), fair AS (
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
      AND (p_clients IS NULL OR q.workspace_id = ANY (p_clients))
  )
  SELECT array_agg(client ORDER BY running, last_served NULLS FIRST, client),
         array_agg(agent_running ORDER BY running, last_served NULLS FIRST, client)
  INTO clients, agent_counts FROM fair;
  IF clients IS NULL THEN
    RETURN;
  END IF;
  -- An equal share of the batch for each client, at least one.
  share := greatest(1, ceil(p_limit::numeric / cardinality(clients))::integer);
  FOR i IN 1 .. cardinality(clients) LOOP
    EXIT WHEN cardinality(ids) >= p_limit;
    agents := agent_counts[i];
    FOR cand IN
      SELECT id, created_by LIKE 'agent:%' AS by_agent FROM tasks
      WHERE workspace_id = clients[i] AND status = 'queued' AND run_at <= now()
        AND (agent_counts[i] < p_agent_running OR created_by NOT LIKE 'agent:%')
      ORDER BY priority DESC, run_at, id
      LIMIT least(share, p_limit - cardinality(ids))
      FOR UPDATE SKIP LOCKED
    LOOP
      IF cand.by_agent THEN
        CONTINUE WHEN agents >= p_agent_running;
        agents := agents + 1;
      END IF;
      ids := ids || cand.id;
    END LOOP;
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

RESET ROLE;

UPDATE redkey_function_policy SET signature = 'engine_claim(text,integer,integer,uuid[])'
  WHERE signature = 'engine_claim(text,integer,integer)';
SELECT redkey_apply_grants();
