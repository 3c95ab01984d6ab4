-- A recount of a client's deal charts (migration 0061) took a deal's last
-- stage move as the audit row with the latest time. A time is its
-- transaction's start: a move that waited for another's row lock is
-- written after it but carries the earlier time, so the recount gave the
-- decided deal the time of the move it overwrote, where the live trigger
-- had kept the right one. The last move is the last row written: the
-- highest id of the deal's stage moves.

SET LOCAL ROLE redkey_owner;

CREATE OR REPLACE FUNCTION redkey_recount_deal_charts(p_ws uuid) RETURNS void
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
    'SELECT $1, d.id, coalesce((SELECT f.changed_at FROM field_changes f '
    '                           WHERE f.workspace_id = $1 AND f.row_id = d.id '
    '                             AND f.view_name = ''crm_deals'' AND f.column_name = ''stage_id'' '
    '                           ORDER BY f.id DESC LIMIT 1), '
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

RESET ROLE;

-- Outcomes a recount already wrote may carry an overwritten move's time.
SELECT redkey_recount_deal_charts(id) FROM workspaces;
