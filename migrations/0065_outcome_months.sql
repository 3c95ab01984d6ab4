-- Today's won and lost chart at scale. It read every decided deal of the
-- last twelve months from the kept outcomes (migration 0061) and put each
-- one's time into the client's zone to find its month: at the
-- benchmark's size, 2,856 rows and 3 ms of Today's SQL on every load. The
-- outcomes are now also kept per client, month (in the client's zone)
-- and outcome, by a row trigger on deal_outcomes itself. Every writer of a
-- deal (the cockpit, arlo, imports, restores, another application, and
-- Twenty's own app through the adapter's trigger) reaches deal_outcomes,
-- so one trigger serves both kinds of client. A change of zone counts the
-- client's months again, as it does its activity days.

SET LOCAL ROLE redkey_owner;

CREATE TABLE outcome_months (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  -- The first day of the month the deals were decided in, in the client's zone.
  month date NOT NULL,
  is_won boolean NOT NULL,
  deals bigint NOT NULL DEFAULT 0,
  amount_micros numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, month, is_won)
);

-- Adds one client's deltas in one statement, its rows in key order: two
-- moves between won and lost in the same month, at once, take their
-- counters in the same order instead of each waiting for the other's.
CREATE FUNCTION redkey_add_outcome_months(p_ws uuid, p_at timestamptz[], p_won boolean[],
                                          p_micros numeric[], p_delta integer[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  tz text;
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  SELECT time_zone INTO tz FROM client_schedules WHERE workspace_id = p_ws;
  INSERT INTO outcome_months AS t (workspace_id, month, is_won, deals, amount_micros)
  SELECT p_ws, date_trunc('month', u.a AT TIME ZONE coalesce(tz, 'UTC'))::date, u.w, sum(u.d),
         sum(u.d * u.m)
  FROM unnest(p_at, p_won, p_micros, p_delta) AS u (a, w, m, d)
  GROUP BY 2, 3 HAVING sum(u.d) <> 0 OR sum(u.d * u.m) <> 0 ORDER BY 2, 3
  ON CONFLICT (workspace_id, month, is_won) DO UPDATE
  SET deals = t.deals + EXCLUDED.deals, amount_micros = t.amount_micros + EXCLUDED.amount_micros;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_add_outcome_months(uuid, timestamptz[], boolean[], numeric[], integer[])
  FROM PUBLIC;

-- A live outcome counts in its month; a change takes it out of the old
-- month (if it counted) and into the new one.
CREATE FUNCTION redkey_count_outcome_months() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND (OLD.workspace_id, OLD.closed_at, OLD.is_won, OLD.amount_micros, OLD.live)
         IS NOT DISTINCT FROM (NEW.workspace_id, NEW.closed_at, NEW.is_won, NEW.amount_micros, NEW.live)
  THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.workspace_id = NEW.workspace_id THEN
    PERFORM redkey_add_outcome_months(NEW.workspace_id, array[OLD.closed_at, NEW.closed_at],
                                      array[OLD.is_won, NEW.is_won],
                                      array[OLD.amount_micros, NEW.amount_micros],
                                      array[OLD.live::integer * -1, NEW.live::integer]);
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.live THEN
    PERFORM redkey_add_outcome_months(OLD.workspace_id, array[OLD.closed_at], array[OLD.is_won],
                                      array[OLD.amount_micros], array[-1]);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.live THEN
    PERFORM redkey_add_outcome_months(NEW.workspace_id, array[NEW.closed_at], array[NEW.is_won],
                                      array[NEW.amount_micros], array[1]);
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_count_outcome_months() FROM PUBLIC;

CREATE TRIGGER count_outcome_months AFTER INSERT OR UPDATE OR DELETE ON deal_outcomes
  FOR EACH ROW EXECUTE FUNCTION redkey_count_outcome_months();

-- One client's months again from its kept outcomes.
CREATE FUNCTION redkey_recount_outcome_months(p_ws uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  tz text;
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  SELECT time_zone INTO tz FROM client_schedules WHERE workspace_id = p_ws;
  DELETE FROM outcome_months WHERE workspace_id = p_ws;
  INSERT INTO outcome_months (workspace_id, month, is_won, deals, amount_micros)
  SELECT p_ws, date_trunc('month', closed_at AT TIME ZONE coalesce(tz, 'UTC'))::date, is_won,
         count(*), sum(amount_micros)
  FROM deal_outcomes WHERE workspace_id = p_ws AND live GROUP BY 2, 3;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_recount_outcome_months(uuid) FROM PUBLIC;

-- The zone trigger of migration 0058 counts the client's months again too.
CREATE OR REPLACE FUNCTION redkey_zone_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.time_zone IS DISTINCT FROM (CASE WHEN TG_OP = 'UPDATE' THEN OLD.time_zone ELSE 'UTC' END)
  THEN
    PERFORM redkey_recount_activity_days(NEW.workspace_id);
    PERFORM redkey_recount_outcome_months(NEW.workspace_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE VIEW crm_outcome_months AS
SELECT workspace_id AS client_id, month, is_won, deals, amount_micros
FROM outcome_months
WHERE workspace_id = redkey_client_id() AND deals <> 0;

RESET ROLE;

SELECT redkey_isolate('outcome_months');
SELECT redkey_recount_outcome_months(id) FROM workspaces;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update)
SELECT 'crm_outcome_months', c, 'system', false, false
FROM unnest(ARRAY['client_id', 'month', 'is_won', 'deals', 'amount_micros']) AS c;
SELECT redkey_apply_grants();
