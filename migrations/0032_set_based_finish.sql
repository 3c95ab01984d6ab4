-- Many outcomes recorded as two set-based updates instead of a loop of
-- single-task updates: the queue's throughput was bound by the statements
-- per task (BENCHMARKS.md, the queue). Same contract as engine_finish: a
-- task is recorded only while it is still running under this instance, and
-- the ids returned are the ones that were.

SET LOCAL ROLE redkey_owner;

CREATE OR REPLACE FUNCTION engine_finish_many(p_instance text, p_tasks uuid[], p_outcomes text[],
                                              p_results jsonb[], p_errors text[],
                                              p_retry_at timestamptz[])
RETURNS SETOF uuid
LANGUAGE sql SET search_path = public, pg_temp AS $$
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
  SELECT id FROM done
$$;

RESET ROLE;

SELECT redkey_apply_grants();
