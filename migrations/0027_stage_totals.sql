-- Stage totals kept, not computed: each stage's deal count and amount
-- (micros, in numeric) maintained by a trigger on the deals table, so the
-- board reads one row per stage instead of aggregating every deal under
-- row security on each request. The trigger sees every write — the
-- cockpit's, arlo's, imports, restores and other applications' rows — and
-- adds deltas with row-locked upserts, so concurrent moves stay exact.

SET LOCAL ROLE redkey_owner;

CREATE TABLE stage_totals (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  stage_id uuid NOT NULL,
  deal_count bigint NOT NULL DEFAULT 0,
  amount_micros numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, stage_id)
);

CREATE FUNCTION redkey_count_deal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
    -- Row security follows the row's own client, whoever writes it.
    PERFORM set_config('redkey.client_id', OLD.workspace_id::text, true);
    INSERT INTO stage_totals AS t (workspace_id, stage_id, deal_count, amount_micros)
    VALUES (OLD.workspace_id, OLD.stage_id, -1, -coalesce(OLD.amount_amount_micros, 0))
    ON CONFLICT (workspace_id, stage_id) DO UPDATE
    SET deal_count = t.deal_count - 1,
        amount_micros = t.amount_micros - coalesce(OLD.amount_amount_micros, 0);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
    PERFORM set_config('redkey.client_id', NEW.workspace_id::text, true);
    INSERT INTO stage_totals AS t (workspace_id, stage_id, deal_count, amount_micros)
    VALUES (NEW.workspace_id, NEW.stage_id, 1, coalesce(NEW.amount_amount_micros, 0))
    ON CONFLICT (workspace_id, stage_id) DO UPDATE
    SET deal_count = t.deal_count + 1,
        amount_micros = t.amount_micros + coalesce(NEW.amount_amount_micros, 0);
  END IF;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_count_deal() FROM PUBLIC;

-- Only the columns that move a total wake it.
CREATE TRIGGER count_deal
  AFTER INSERT OR DELETE OR UPDATE OF stage_id, amount_amount_micros, deleted_at, workspace_id
  ON opportunities FOR EACH ROW EXECUTE FUNCTION redkey_count_deal();

DROP VIEW crm_pipeline;
CREATE VIEW crm_pipeline AS
SELECT s.id AS stage_id, p.id AS pipeline_id, p.workspace_id AS client_id,
       p.name AS pipeline_name, p.position AS pipeline_position,
       s.name AS stage_name, s.position AS stage_position, s.probability, s.is_won, s.is_lost,
       s.stale_after_days,
       coalesce(t.deal_count, 0) AS deal_count,
       round(coalesce(t.amount_micros, 0) / 1000000)::bigint AS amount_units,
       round(coalesce(t.amount_micros, 0) * s.probability / 100 / 1000000)::bigint AS weighted_units
FROM pipelines p
JOIN pipeline_stages s ON s.workspace_id = p.workspace_id AND s.pipeline_id = p.id
                      AND s.archived_at IS NULL
LEFT JOIN stage_totals t ON t.workspace_id = s.workspace_id AND t.stage_id = s.id
WHERE p.deleted_at IS NULL
  AND p.workspace_id = redkey_client_id();

RESET ROLE;

-- What is there now (the owner's credential passes row security here).
INSERT INTO stage_totals (workspace_id, stage_id, deal_count, amount_micros)
SELECT workspace_id, stage_id, count(*), coalesce(sum(amount_amount_micros::numeric), 0)
FROM opportunities WHERE deleted_at IS NULL
GROUP BY workspace_id, stage_id;

SELECT redkey_isolate('stage_totals');
SELECT redkey_apply_grants();
