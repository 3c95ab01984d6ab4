-- Less work per task in the queue (BENCHMARKS.md, the queue, session 13).
-- A profile of Postgres draining 60,000 no-op tasks showed a third of its
-- time inside engine_finish_many, a third of that parsing and planning it
-- again on every call (a LANGUAGE sql function's plan lives for one call),
-- and a sixth of all its time inserting index entries.
--
-- - Claims read each client's queued tasks from tasks_claim_client (0014).
--   The global tasks_claim index from 0010 was still there and, planned
--   generically inside engine_claim, looked as cheap: a claim then walked
--   the other clients' queued tasks to find one client's (15,000 rows
--   filtered in one claim over four clients). Nothing else orders by it.
-- - tasks_running (heartbeat_at) and tasks_running_client (workspace_id)
--   index the same few rows; rescue reads the running set through the
--   second just as well, and each claim and heartbeat wrote one entry less.
-- - tasks_recent (workspace_id, updated_at DESC) serves no query: nothing
--   orders tasks by updated_at, and the (workspace_id, id) index finds a
--   client's tasks. Each claim and finish wrote an entry, and a heartbeat
--   (which moves updated_at) could never be a HOT update.
-- - A run row's (workspace_id, task_id) already references its task, whose
--   workspace_id references workspaces: the second check was the same
--   question asked again on every claimed task.
-- - A heartbeat of every task an instance holds met the same instance's
--   grouped finish updating some of them in another order: a deadlock,
--   seen in the benchmark. A heartbeat now passes over rows another
--   transaction holds; a task being finished needs no heartbeat, and any
--   other holder lets go long before the task could be thought stale.

SET LOCAL ROLE redkey_owner;

DROP INDEX tasks_claim;
DROP INDEX tasks_running;
DROP INDEX tasks_recent;
ALTER TABLE task_runs DROP CONSTRAINT task_runs_workspace_id_fkey;

-- Same contract and body as 0032, in PL/pgSQL so its plan is kept.
CREATE OR REPLACE FUNCTION engine_finish_many(p_instance text, p_tasks uuid[], p_outcomes text[],
                                              p_results jsonb[], p_errors text[],
                                              p_retry_at timestamptz[])
RETURNS SETOF uuid
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  WITH given AS (
    SELECT * FROM unnest(p_tasks, p_outcomes, p_results, p_errors, p_retry_at)
      AS g(task, outcome, result, error, retry_at)
  ), done AS (
    UPDATE tasks t SET
      status = CASE g.outcome WHEN 'succeeded' THEN 'succeeded'::task_status
                              WHEN 'retry' THEN 'queued'::task_status
                              ELSE 'failed'::task_status END,
      result = coalesce(g.result, t.result),
      last_error = CASE WHEN g.outcome = 'succeeded' THEN t.last_error ELSE g.error END,
      run_at = CASE WHEN g.outcome = 'retry' THEN g.retry_at ELSE t.run_at END,
      finished_at = CASE WHEN g.outcome = 'retry' THEN NULL ELSE now() END,
      locked_by = NULL, heartbeat_at = NULL
    FROM given g
    WHERE t.id = g.task AND t.status = 'running' AND t.locked_by = p_instance
    RETURNING t.id, g.outcome, g.error
  ), runs AS (
    UPDATE task_runs r SET finished_at = now(), outcome = d.outcome, error = d.error
    FROM done d
    WHERE r.task_id = d.id AND r.instance = p_instance AND r.finished_at IS NULL
  )
  SELECT id FROM done;
END
$$;

CREATE OR REPLACE FUNCTION engine_heartbeat(p_instance text, p_tasks uuid[]) RETURNS integer
LANGUAGE sql SET search_path = public, pg_temp AS $$
  WITH mine AS (
    SELECT id FROM tasks
    WHERE id = ANY (p_tasks) AND status = 'running' AND locked_by = p_instance
    FOR UPDATE SKIP LOCKED
  ), beat AS (
    UPDATE tasks t SET heartbeat_at = now() FROM mine WHERE t.id = mine.id
    RETURNING 1
  ) SELECT count(*)::integer FROM beat;
$$;

RESET ROLE;

SELECT redkey_apply_grants();
