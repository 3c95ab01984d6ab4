-- Pipeline health that is right: last activity follows the activities
-- themselves, every stage has its own threshold, and one rule says which
-- open deals need attention, for the daily report, the pipeline page's
-- panel and the stale badge alike.

SET LOCAL ROLE redkey_owner;

-- Every way an activity is written (the agent API, email events, people,
-- imports, other applications) moves its contact's, company's and deal's
-- last_activity_at forward. A future activity (a meeting ahead) is not
-- activity yet.
CREATE FUNCTION redkey_activity_touches() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
BEGIN
  IF NEW.deleted_at IS NOT NULL OR NEW.happens_at > now() THEN
    RETURN NULL;
  END IF;
  -- Row security binds this function's owner too: act in the row's client.
  PERFORM set_config('redkey.client_id', NEW.workspace_id::text, true);
  UPDATE people SET last_activity_at = NEW.happens_at
  WHERE workspace_id = NEW.workspace_id AND id = NEW.person_id
    AND (last_activity_at IS NULL OR last_activity_at < NEW.happens_at);
  UPDATE companies SET last_activity_at = NEW.happens_at
  WHERE workspace_id = NEW.workspace_id AND id = NEW.company_id
    AND (last_activity_at IS NULL OR last_activity_at < NEW.happens_at);
  UPDATE opportunities SET last_activity_at = NEW.happens_at
  WHERE workspace_id = NEW.workspace_id AND id = NEW.opportunity_id
    AND (last_activity_at IS NULL OR last_activity_at < NEW.happens_at);
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN NULL;
END
$$;
CREATE TRIGGER touches AFTER INSERT OR UPDATE OF happens_at, person_id, company_id,
  opportunity_id, deleted_at ON activities
  FOR EACH ROW EXECUTE FUNCTION redkey_activity_touches();

-- last_activity_at leaves the field audit trail: it would flood timelines.
DROP TRIGGER audit ON people;
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_contacts', 'priority:priority:strategic', 'relationship_note:relationship_note:strategic',
  'strategy_note:strategy_note:strategic', 'recontact_at:recontact_at:strategic',
  'enriched_at:enriched_at:operational',
  'email_thread_count:email_thread_count:operational', 'open_count:open_count:operational',
  'linkedin_url:linkedin_link_url:operational',
  'sequence_step:sequence_step:operational', 'sequence_enrolled_at:sequence_enrolled_at:operational');
DROP TRIGGER audit ON companies;
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON companies FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_companies', 'priority:priority:strategic', 'strategy_note:strategy_note:strategic',
  'account_owner_id:account_owner_id:strategic',
  'enriched_at:enriched_at:operational',
  'linkedin_url:linkedin_link_primary_link_url:operational', 'employees:employees:operational',
  'company_size:company_size:operational', 'industry:industry:operational');
DROP TRIGGER audit ON opportunities;
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON opportunities FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_deals', 'stage_id:stage_id:strategic', 'priority:priority:strategic',
  'strategy_note:strategy_note:strategic', 'recontact_at:recontact_at:strategic',
  'amount_micros:amount_amount_micros:strategic', 'currency_code:amount_currency_code:strategic',
  'close_date:close_date:strategic', 'owner_id:owner_id:strategic');

-- Each stage says after how many quiet days its open deals are stale.
ALTER TABLE pipeline_stages ADD COLUMN stale_after_days integer NOT NULL DEFAULT 14
  CHECK (stale_after_days BETWEEN 1 AND 365);

DROP VIEW crm_pipeline;
CREATE VIEW crm_pipeline AS
SELECT s.id AS stage_id, p.id AS pipeline_id, p.workspace_id AS client_id,
       p.name AS pipeline_name, p.position AS pipeline_position,
       s.name AS stage_name, s.position AS stage_position, s.probability, s.is_won, s.is_lost,
       s.stale_after_days,
       count(o.id) AS deal_count,
       round(coalesce(sum(o.amount_amount_micros::numeric), 0) / 1000000)::bigint AS amount_units,
       round(coalesce(sum(o.amount_amount_micros::numeric * s.probability / 100), 0) / 1000000)::bigint
         AS weighted_units
FROM pipelines p
JOIN pipeline_stages s ON s.workspace_id = p.workspace_id AND s.pipeline_id = p.id
                      AND s.archived_at IS NULL
LEFT JOIN opportunities o ON o.workspace_id = s.workspace_id AND o.stage_id = s.id
                         AND o.deleted_at IS NULL
WHERE p.deleted_at IS NULL
  AND p.workspace_id = redkey_client_id()
GROUP BY p.id, s.id;

CREATE FUNCTION crm_set_stage_threshold(p_stage uuid, p_days integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE pipeline_stages SET stale_after_days = p_days
  WHERE id = p_stage AND workspace_id = redkey_client_id() AND archived_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stage not found' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

-- The one rule: an open deal (its stage neither won nor lost) needs
-- attention when it has been quiet for its stage's threshold (whole days
-- since its last activity, or its creation), when its close date has
-- passed in the client's time zone, or when it has no recontact date.
-- Stalest first.
CREATE FUNCTION crm_needs_attention(p_now timestamptz)
RETURNS TABLE (deal_id uuid, name text, stage_name text, idle_days integer,
               stale boolean, overdue boolean, no_recontact boolean)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  WITH open AS (
    SELECT d.id, d.name, p.stage_name, p.stale_after_days, d.close_date, d.recontact_at,
           floor(extract(epoch FROM p_now - coalesce(d.last_activity_at, d.created_at)) / 86400)::int
             AS idle_days,
           (p_now AT TIME ZONE (SELECT time_zone FROM crm_client_schedule))::date AS today
    FROM crm_deals d JOIN crm_pipeline p ON p.stage_id = d.stage_id
    WHERE NOT p.is_won AND NOT p.is_lost
  )
  SELECT id, name, stage_name, idle_days,
         idle_days >= stale_after_days, coalesce(close_date < today, false), recontact_at IS NULL
  FROM open
  WHERE idle_days >= stale_after_days OR close_date < today OR recontact_at IS NULL
  ORDER BY idle_days DESC, id;
$$;

RESET ROLE;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_set_stage_threshold(uuid,integer)', 'redkey_human'),
  ('crm_needs_attention(timestamp with time zone)', 'redkey_human'),
  ('crm_needs_attention(timestamp with time zone)', 'redkey_agent');
SELECT redkey_apply_grants();
