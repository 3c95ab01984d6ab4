-- Stage totals computed in numeric. In bigint, amount × probability
-- overflowed for one large deal in a 100 % stage, and every pipeline page
-- of that client failed. Totals are given in whole currency units: a
-- stage's total in micros can pass bigint even with capped amounts, its
-- total in units cannot.

SET LOCAL ROLE redkey_owner;

DROP VIEW crm_pipeline;
CREATE VIEW crm_pipeline AS
SELECT s.id AS stage_id, p.id AS pipeline_id, p.workspace_id AS client_id,
       p.name AS pipeline_name, p.position AS pipeline_position,
       s.name AS stage_name, s.position AS stage_position, s.probability, s.is_won, s.is_lost,
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

-- The stated maximum of one deal's amount: 10^12 currency units (the
-- cockpit says so next to the field). Rows written before stay as they
-- are; new writes are checked.
ALTER TABLE opportunities ADD CONSTRAINT opportunities_amount_range
  CHECK (amount_amount_micros <= 1000000000000000000) NOT VALID;

RESET ROLE;
SELECT redkey_apply_grants();
