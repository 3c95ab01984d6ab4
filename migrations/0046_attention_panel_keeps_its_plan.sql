-- The board's attention panel keeps its plan (BENCHMARKS.md, session 15).
-- crm_needs_attention_first runs its query with the function's arguments
-- as parameters, the limit among them; for a bound limit a generic plan
-- guesses a tenth of the rows, looks dearer than a plan made for the
-- values, and so Postgres planned the query on every call: 0.77 ms of
-- planning for 0.12 ms of execution on 10,000 deals. The generic plan is
-- the same walk of the (client, quiet since) index, stopping at the limit
-- (0.29 ms in EXPLAIN ANALYZE, planned once per connection), so the
-- function asks for it.

SET LOCAL ROLE redkey_owner;

ALTER FUNCTION crm_needs_attention_first(timestamptz, uuid, integer)
  SET plan_cache_mode = force_generic_plan;

RESET ROLE;
