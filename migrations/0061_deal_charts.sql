-- Today's deal charts at scale. The won and lost history joined every
-- stage move of the last twelve months in the audit trail to its deal for
-- the value, and the forecast summed every deal closing in the next six
-- months, on each load (at the benchmark's size, thousands of rows through
-- the deals view under row security each); the history also counted a
-- deal once more each time it was moved into a won or lost stage again.
-- Both now read numbers kept by row triggers on the deals tables (the main
-- one here, Twenty's in the adapter's migration 17), so every writer —
-- the cockpit, arlo, imports, restores, Twenty's own app — moves them:
--   deal_outcomes: a row per deal whose stage is won or lost, with when it
--     entered that stage (its transaction's time, the same as the audit
--     trail's record of the move), the outcome, its amount, and whether it
--     is live (a restore from the trash brings back its old month);
--   close_months: live deals and their amount per stage and expected close
--     month (a close date is a date: no time zone moves it).

SET LOCAL ROLE redkey_owner;

CREATE TABLE deal_outcomes (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  deal_id uuid NOT NULL,
  closed_at timestamptz NOT NULL,
  is_won boolean NOT NULL,
  amount_micros numeric NOT NULL DEFAULT 0,
  live boolean NOT NULL,
  PRIMARY KEY (workspace_id, deal_id)
);
CREATE INDEX deal_outcomes_closed ON deal_outcomes (workspace_id, closed_at)
  INCLUDE (is_won, amount_micros) WHERE live;

CREATE TABLE close_months (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  stage_id uuid NOT NULL,
  month date NOT NULL,
  deal_count bigint NOT NULL DEFAULT 0,
  amount_micros numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, stage_id, month)
);

-- One deal's outcome after a write to it. p_moved: its stage changed (or
-- it is new), so a won or lost deal's time restarts. An open stage, or
-- none (the deal deleted for good), removes the row. Row security follows
-- the deal's own client, whoever writes it.
CREATE FUNCTION redkey_keep_outcome(p_ws uuid, p_deal uuid, p_stage uuid, p_micros numeric,
                                    p_live boolean, p_moved boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  won boolean;
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  SELECT CASE WHEN s.is_won THEN true WHEN s.is_lost THEN false END INTO won
  FROM pipeline_stages s WHERE s.workspace_id = p_ws AND s.id = p_stage;
  IF won IS NULL THEN
    DELETE FROM deal_outcomes WHERE workspace_id = p_ws AND deal_id = p_deal;
  ELSE
    INSERT INTO deal_outcomes AS t (workspace_id, deal_id, closed_at, is_won, amount_micros, live)
    VALUES (p_ws, p_deal, now(), won, coalesce(p_micros, 0), p_live)
    ON CONFLICT (workspace_id, deal_id) DO UPDATE
    SET closed_at = CASE WHEN p_moved THEN now() ELSE t.closed_at END,
        is_won = EXCLUDED.is_won, amount_micros = EXCLUDED.amount_micros, live = EXCLUDED.live;
  END IF;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_keep_outcome(uuid, uuid, uuid, numeric, boolean, boolean) FROM PUBLIC;

-- One live deal into (p_delta 1) or out of (-1) its stage and close
-- month; a deal with no stage or no close date counts nowhere.
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

CREATE FUNCTION redkey_count_deal_charts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.workspace_id <> NEW.workspace_id) THEN
    PERFORM redkey_keep_outcome(OLD.workspace_id, OLD.id, NULL, NULL, false, false);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM redkey_keep_outcome(
      NEW.workspace_id, NEW.id, NEW.stage_id, NEW.amount_amount_micros, NEW.deleted_at IS NULL,
      TG_OP = 'INSERT' OR OLD.stage_id IS DISTINCT FROM NEW.stage_id
        OR OLD.workspace_id <> NEW.workspace_id);
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN
    PERFORM redkey_add_close_month(OLD.workspace_id, OLD.stage_id, OLD.close_date,
                                   OLD.amount_amount_micros, -1);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN
    PERFORM redkey_add_close_month(NEW.workspace_id, NEW.stage_id, NEW.close_date,
                                   NEW.amount_amount_micros, 1);
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_count_deal_charts() FROM PUBLIC;

CREATE TRIGGER count_deal_charts
  AFTER INSERT OR DELETE
     OR UPDATE OF stage_id, amount_amount_micros, close_date, deleted_at, workspace_id
  ON opportunities FOR EACH ROW EXECUTE FUNCTION redkey_count_deal_charts();

-- One client's numbers again from its deals (Twenty's, for an attached
-- client). A decided deal entered its stage at its last stage move in the
-- audit trail or, with none recorded, when the deal itself says.
CREATE FUNCTION redkey_recount_deal_charts(p_ws uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  twenty text;
  -- The deals as (id, stage, amount, close date, live, entered its stage).
  deals text := 'SELECT id, stage_id, amount_amount_micros AS micros, close_date, '
    'deleted_at IS NULL AS live, stage_changed_at AS entered FROM opportunities WHERE workspace_id = $1';
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  DELETE FROM deal_outcomes WHERE workspace_id = p_ws;
  DELETE FROM close_months WHERE workspace_id = p_ws;
  IF to_regclass('redkey_twenty.attachments') IS NOT NULL THEN
    EXECUTE 'SELECT workspace_schema FROM redkey_twenty.attachments WHERE workspace_id = $1'
      INTO twenty USING p_ws;
  END IF;
  IF twenty IS NOT NULL THEN
    deals := format(
      'SELECT o.id, t.stage_id, o."amountAmountMicros" AS micros, o."closeDate"::date AS close_date, '
      '       o."deletedAt" IS NULL AS live, coalesce(e.stage_changed_at, o."createdAt") AS entered '
      'FROM %I.opportunity o '
      'JOIN redkey_twenty.stages t ON t.workspace_id = $1 AND t.label = o.stage::text '
      'LEFT JOIN redkey_twenty.opportunity_ext e ON e.workspace_id = $1 AND e.id = o.id', twenty);
  END IF;
  EXECUTE
    'INSERT INTO deal_outcomes (workspace_id, deal_id, closed_at, is_won, amount_micros, live) '
    'SELECT $1, d.id, coalesce((SELECT max(f.changed_at) FROM field_changes f '
    '                           WHERE f.workspace_id = $1 AND f.row_id = d.id '
    '                             AND f.view_name = ''crm_deals'' AND f.column_name = ''stage_id''), '
    '                          d.entered), '
    '       s.is_won, coalesce(d.micros, 0), d.live '
    'FROM (' || deals || ') d '
    'JOIN pipeline_stages s ON s.workspace_id = $1 AND s.id = d.stage_id AND (s.is_won OR s.is_lost)'
  USING p_ws;
  EXECUTE
    'INSERT INTO close_months (workspace_id, stage_id, month, deal_count, amount_micros) '
    'SELECT $1, d.stage_id, date_trunc(''month'', d.close_date)::date, count(*), '
    '       coalesce(sum(d.micros::numeric), 0) '
    'FROM (' || deals || ') d WHERE d.live AND d.close_date IS NOT NULL GROUP BY 2, 3'
  USING p_ws;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_recount_deal_charts(uuid) FROM PUBLIC;

-- A stage made won, lost or open again (in Settings) decides or reopens
-- every deal in it: the client is counted again.
CREATE FUNCTION redkey_stage_outcome_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM redkey_recount_deal_charts(NEW.workspace_id);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_stage_outcome_changed() FROM PUBLIC;

CREATE TRIGGER recount_deal_charts AFTER UPDATE OF is_won, is_lost ON pipeline_stages
  FOR EACH ROW WHEN ((OLD.is_won, OLD.is_lost) IS DISTINCT FROM (NEW.is_won, NEW.is_lost))
  EXECUTE FUNCTION redkey_stage_outcome_changed();

-- Nothing reads the stage moves by time any more (a recount reads each
-- deal's own, by the row index); the audit trail's writes stop paying.
DROP INDEX field_changes_stage_moves;

CREATE VIEW crm_deal_outcomes AS
SELECT workspace_id AS client_id, deal_id, closed_at, is_won, amount_micros
FROM deal_outcomes
WHERE workspace_id = redkey_client_id() AND live;

CREATE VIEW crm_close_months AS
SELECT workspace_id AS client_id, stage_id, month, deal_count, amount_micros
FROM close_months
WHERE workspace_id = redkey_client_id() AND deal_count <> 0;

RESET ROLE;

SELECT redkey_isolate('deal_outcomes', 'close_months');
SELECT redkey_recount_deal_charts(id) FROM workspaces;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update)
SELECT v, c, 'system', false, false
FROM (VALUES ('crm_deal_outcomes', ARRAY['client_id', 'deal_id', 'closed_at', 'is_won', 'amount_micros']),
             ('crm_close_months', ARRAY['client_id', 'stage_id', 'month', 'deal_count', 'amount_micros']))
     AS x (v, cs), unnest(cs) AS c;
SELECT redkey_apply_grants();
