-- The health rule's first page (the board's and Today's attention panel)
-- for an attached client, found before public's by the search path: the
-- same contract as main's crm_needs_attention_first (migration 0028).
-- The main function orders open deals by coalesce(last_activity_at,
-- created_at); over Twenty those are in two tables (the extension row and
-- Twenty's row), so no index holds that order and every open deal was
-- read and sorted (about 15 ms at 8,000). Here the two kinds of deal are
-- walked apart, each by an index in its own order — those with an
-- activity by the extension rows' last_activity_at, the rest by Twenty's
-- createdAt (an order index the adapter gives Twenty's table) — and the
-- first of each are merged.

SET LOCAL ROLE redkey_owner;

CREATE INDEX opportunity_ext_last_activity ON redkey_twenty.opportunity_ext
  (workspace_id, last_activity_at, id) WHERE last_activity_at IS NOT NULL;

CREATE FUNCTION redkey_twenty.crm_needs_attention_first(p_now timestamptz, p_pipeline uuid,
                                                        p_limit integer)
RETURNS TABLE (deal_id uuid, name text, stage_name text, idle_days integer,
               stale boolean, overdue boolean, no_recontact boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  WITH stages AS MATERIALIZED (
    SELECT p.stage_id, p.stage_name, p.stale_after_days FROM crm_pipeline p
    WHERE p.pipeline_id = p_pipeline AND NOT p.is_won AND NOT p.is_lost),
  today AS MATERIALIZED (
    SELECT (p_now AT TIME ZONE s.time_zone)::date AS d FROM crm_client_schedule s),
  active AS (
    SELECT o.id, o.name, s.stage_name, o.last_activity_at AS quiet_since,
           floor(extract(epoch FROM p_now - o.last_activity_at) / 86400)::int AS idle,
           s.stale_after_days, o.close_date, o.recontact_at
    FROM redkey_twenty.crm_deals o JOIN stages s ON s.stage_id = o.stage_id, today
    WHERE o.last_activity_at IS NOT NULL
      AND (floor(extract(epoch FROM p_now - o.last_activity_at) / 86400) >= s.stale_after_days
           OR o.close_date < today.d OR o.recontact_at IS NULL)
    ORDER BY o.last_activity_at, o.id LIMIT p_limit),
  quiet AS (
    SELECT o.id, o.name, s.stage_name, o.created_at AS quiet_since,
           floor(extract(epoch FROM p_now - o.created_at) / 86400)::int AS idle,
           s.stale_after_days, o.close_date, o.recontact_at
    FROM redkey_twenty.crm_deals o JOIN stages s ON s.stage_id = o.stage_id, today
    WHERE o.last_activity_at IS NULL
      AND (floor(extract(epoch FROM p_now - o.created_at) / 86400) >= s.stale_after_days
           OR o.close_date < today.d OR o.recontact_at IS NULL)
    ORDER BY o.created_at, o.id LIMIT p_limit)
  SELECT d.id, d.name, d.stage_name, d.idle, d.idle >= d.stale_after_days,
         coalesce(d.close_date < (SELECT today.d FROM today), false), d.recontact_at IS NULL
  FROM (SELECT * FROM active UNION ALL SELECT * FROM quiet) d
  ORDER BY d.quiet_since, d.id
  LIMIT p_limit;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.crm_needs_attention_first(timestamptz, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_needs_attention_first(timestamptz, uuid, integer)
  TO redkey_human, redkey_agent;

RESET ROLE;
