-- Today's won and lost history at scale. It joined every stage move of the
-- last twelve months in the audit trail to its deal for the value (at the
-- benchmark's size, thousands of moves through the deals view under row
-- security on each load), and counted a deal once more each time it was
-- moved into a won or lost stage again. Each deal whose stage is won or
-- lost now has a kept row instead: when it entered that stage, which
-- outcome, its amount, and whether it is live (not in the trash, so a
-- restore brings back its old month). Row triggers on the deals tables
-- keep it (the main one here, Twenty's in the adapter's migration 17), so
-- every writer moves it; a move's time is its transaction's, the same as
-- the audit trail's record of it.

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

-- One deal's row after a write to it. p_moved: its stage changed (or it
-- is new), so a won or lost deal's time restarts. An open stage, or none
-- (the deal deleted for good), removes the row. Row security follows the
-- deal's own client, whoever writes it.
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

CREATE FUNCTION redkey_keep_deal_outcome() RETURNS trigger
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
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_keep_deal_outcome() FROM PUBLIC;

CREATE TRIGGER keep_outcome
  AFTER INSERT OR DELETE OR UPDATE OF stage_id, amount_amount_micros, deleted_at, workspace_id
  ON opportunities FOR EACH ROW EXECUTE FUNCTION redkey_keep_deal_outcome();

-- One client's rows again from its deals (Twenty's, for an attached
-- client): each entered its stage at its last stage move in the audit
-- trail, or, with none recorded, when the deal itself says.
CREATE FUNCTION redkey_recount_deal_outcomes(p_ws uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  twenty text;
  moved constant text := '(SELECT max(f.changed_at) FROM field_changes f '
    'WHERE f.workspace_id = $1 AND f.row_id = o.id '
    'AND f.view_name = ''crm_deals'' AND f.column_name = ''stage_id'')';
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  DELETE FROM deal_outcomes WHERE workspace_id = p_ws;
  IF to_regclass('redkey_twenty.attachments') IS NOT NULL THEN
    EXECUTE 'SELECT workspace_schema FROM redkey_twenty.attachments WHERE workspace_id = $1'
      INTO twenty USING p_ws;
  END IF;
  IF twenty IS NULL THEN
    EXECUTE
      'INSERT INTO deal_outcomes (workspace_id, deal_id, closed_at, is_won, amount_micros, live) '
      'SELECT $1, o.id, coalesce(' || moved || ', o.stage_changed_at), s.is_won, '
      '       coalesce(o.amount_amount_micros, 0), o.deleted_at IS NULL '
      'FROM opportunities o JOIN pipeline_stages s '
      '  ON s.workspace_id = $1 AND s.id = o.stage_id AND (s.is_won OR s.is_lost) '
      'WHERE o.workspace_id = $1'
    USING p_ws;
  ELSE
    EXECUTE format(
      'INSERT INTO deal_outcomes (workspace_id, deal_id, closed_at, is_won, amount_micros, live) '
      'SELECT $1, o.id, coalesce(' || moved || ', e.stage_changed_at, o."createdAt"), s.is_won, '
      '       coalesce(o."amountAmountMicros", 0), o."deletedAt" IS NULL '
      'FROM %I.opportunity o '
      'JOIN redkey_twenty.stages t ON t.workspace_id = $1 AND t.label = o.stage::text '
      'JOIN pipeline_stages s ON s.workspace_id = $1 AND s.id = t.stage_id AND (s.is_won OR s.is_lost) '
      'LEFT JOIN redkey_twenty.opportunity_ext e ON e.workspace_id = $1 AND e.id = o.id', twenty)
    USING p_ws;
  END IF;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_recount_deal_outcomes(uuid) FROM PUBLIC;

-- A stage made won, lost or open again (in Settings) decides or reopens
-- every deal in it: the client is counted again.
CREATE FUNCTION redkey_stage_outcome_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM redkey_recount_deal_outcomes(NEW.workspace_id);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_stage_outcome_changed() FROM PUBLIC;

CREATE TRIGGER recount_deal_outcomes AFTER UPDATE OF is_won, is_lost ON pipeline_stages
  FOR EACH ROW WHEN ((OLD.is_won, OLD.is_lost) IS DISTINCT FROM (NEW.is_won, NEW.is_lost))
  EXECUTE FUNCTION redkey_stage_outcome_changed();

-- Nothing reads the stage moves by time any more (a recount reads each
-- deal's own, by the row index); the audit trail's writes stop paying.
DROP INDEX field_changes_stage_moves;

CREATE VIEW crm_deal_outcomes AS
SELECT workspace_id AS client_id, deal_id, closed_at, is_won, amount_micros
FROM deal_outcomes
WHERE workspace_id = redkey_client_id() AND live;

RESET ROLE;

SELECT redkey_isolate('deal_outcomes');
SELECT redkey_recount_deal_outcomes(id) FROM workspaces;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_deal_outcomes', 'client_id', 'system', false, false),
  ('crm_deal_outcomes', 'deal_id', 'system', false, false),
  ('crm_deal_outcomes', 'closed_at', 'system', false, false),
  ('crm_deal_outcomes', 'is_won', 'system', false, false),
  ('crm_deal_outcomes', 'amount_micros', 'system', false, false);
SELECT redkey_apply_grants();
