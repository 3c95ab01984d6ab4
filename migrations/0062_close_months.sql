-- Today's forecast at scale. It summed every deal with a close date in the
-- next six months on each load (at the benchmark's size, thousands through
-- the deals view under row security). Deal counts and amounts are now kept
-- per stage and expected close month, as the stage totals are: by row
-- triggers on the deals tables (the main one here, Twenty's in the
-- adapter's migration 18), so every writer moves them. A close date is a
-- date, so no time zone moves a month.

SET LOCAL ROLE redkey_owner;

CREATE TABLE close_months (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  stage_id uuid NOT NULL,
  month date NOT NULL,
  deal_count bigint NOT NULL DEFAULT 0,
  amount_micros numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, stage_id, month)
);

-- One live deal in or out (p_delta 1 or -1) of its stage and close month;
-- a deal with no stage or no close date counts nowhere. Row security
-- follows the deal's own client, whoever writes it.
CREATE FUNCTION redkey_add_close_month(p_ws uuid, p_stage uuid, p_close date, p_micros numeric,
                                       p_delta integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
BEGIN
  IF p_stage IS NULL OR p_close IS NULL THEN
    RETURN;
  END IF;
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  INSERT INTO close_months AS t (workspace_id, stage_id, month, deal_count, amount_micros)
  VALUES (p_ws, p_stage, date_trunc('month', p_close)::date, p_delta,
          p_delta * coalesce(p_micros, 0))
  ON CONFLICT (workspace_id, stage_id, month) DO UPDATE
  SET deal_count = t.deal_count + EXCLUDED.deal_count,
      amount_micros = t.amount_micros + EXCLUDED.amount_micros;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_add_close_month(uuid, uuid, date, numeric, integer) FROM PUBLIC;

CREATE FUNCTION redkey_count_close_month() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
    PERFORM redkey_add_close_month(OLD.workspace_id, OLD.stage_id, OLD.close_date,
                                   OLD.amount_amount_micros, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
    PERFORM redkey_add_close_month(NEW.workspace_id, NEW.stage_id, NEW.close_date,
                                   NEW.amount_amount_micros, 1);
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_count_close_month() FROM PUBLIC;

CREATE TRIGGER count_close_month
  AFTER INSERT OR DELETE
     OR UPDATE OF stage_id, amount_amount_micros, close_date, deleted_at, workspace_id
  ON opportunities FOR EACH ROW EXECUTE FUNCTION redkey_count_close_month();

-- One client's months again from its deals (Twenty's, for an attached
-- client).
CREATE FUNCTION redkey_recount_close_months(p_ws uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  twenty text;
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  DELETE FROM close_months WHERE workspace_id = p_ws;
  IF to_regclass('redkey_twenty.attachments') IS NOT NULL THEN
    EXECUTE 'SELECT workspace_schema FROM redkey_twenty.attachments WHERE workspace_id = $1'
      INTO twenty USING p_ws;
  END IF;
  IF twenty IS NULL THEN
    INSERT INTO close_months (workspace_id, stage_id, month, deal_count, amount_micros)
    SELECT p_ws, stage_id, date_trunc('month', close_date)::date, count(*),
           coalesce(sum(amount_amount_micros::numeric), 0)
    FROM opportunities
    WHERE workspace_id = p_ws AND deleted_at IS NULL AND close_date IS NOT NULL
    GROUP BY 2, 3;
  ELSE
    EXECUTE format(
      'INSERT INTO close_months (workspace_id, stage_id, month, deal_count, amount_micros) '
      'SELECT $1, t.stage_id, date_trunc(''month'', o."closeDate"::date)::date, count(*), '
      '       coalesce(sum(o."amountAmountMicros"::numeric), 0) '
      'FROM %I.opportunity o '
      'JOIN redkey_twenty.stages t ON t.workspace_id = $1 AND t.label = o.stage::text '
      'WHERE o."deletedAt" IS NULL AND o."closeDate" IS NOT NULL GROUP BY 2, 3', twenty)
    USING p_ws;
  END IF;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_recount_close_months(uuid) FROM PUBLIC;

CREATE VIEW crm_close_months AS
SELECT workspace_id AS client_id, stage_id, month, deal_count, amount_micros
FROM close_months
WHERE workspace_id = redkey_client_id() AND deal_count <> 0;

RESET ROLE;

SELECT redkey_isolate('close_months');
SELECT redkey_recount_close_months(id) FROM workspaces;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_close_months', 'client_id', 'system', false, false),
  ('crm_close_months', 'stage_id', 'system', false, false),
  ('crm_close_months', 'month', 'system', false, false),
  ('crm_close_months', 'deal_count', 'system', false, false),
  ('crm_close_months', 'amount_micros', 'system', false, false);
SELECT redkey_apply_grants();
