-- Pages whose work is bounded by what they show.
--
-- 1. Contact search returns one page, in the page's order, after its
--    cursor: the limit and the order live inside the function, so a very
--    common term stops after a page instead of returning every match for
--    the caller to sort. Dynamic SQL with literals lets the planner choose
--    per call between the trigram index (selective terms) and walking the
--    order's index while testing each row (common terms).
-- 2. The board's attention panel reads the stalest open deals first
--    through an index and stops after a few, instead of judging every open
--    deal of the client on each request.

SET LOCAL ROLE redkey_owner;

CREATE FUNCTION crm_search_contacts_page(
  p_query text, p_sort text, p_after_a text, p_after_b text, p_after_id uuid,
  p_priority text, p_due boolean, p_limit integer)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := NULLIF(current_setting('redkey.client_id', true), '')::uuid;
  pattern text := '%' || replace(replace(replace(lower(btrim(p_query)), '\', '\\'), '%', '\%'), '_', '\_') || '%';
  after_cond text := 'true';
  ord text;
BEGIN
  IF client IS NULL OR p_limit IS NULL OR p_limit < 1 THEN
    RETURN;
  END IF;
  CASE p_sort
    WHEN 'name' THEN
      ord := 'p.name_last_name, p.name_first_name, p.id';
      IF p_after_id IS NOT NULL THEN
        after_cond := format('(p.name_last_name, p.name_first_name, p.id) > (%L, %L, %L::uuid)',
                             p_after_a, p_after_b, p_after_id);
      END IF;
    WHEN 'recent' THEN
      ord := 'p.activity_order DESC, p.id DESC';
      IF p_after_id IS NOT NULL THEN
        after_cond := format('(p.activity_order, p.id) < (%L::timestamptz, %L::uuid)',
                             p_after_a, p_after_id);
      END IF;
    WHEN 'newest' THEN
      ord := 'p.created_at DESC, p.id DESC';
      IF p_after_id IS NOT NULL THEN
        after_cond := format('(p.created_at, p.id) < (%L::timestamptz, %L::uuid)',
                             p_after_a, p_after_id);
      END IF;
    ELSE
      RAISE EXCEPTION 'unknown contact order %', p_sort USING ERRCODE = '22023';
  END CASE;
  RETURN QUERY EXECUTE format(
    'SELECT p.id FROM people p JOIN contact_search s ON s.person_id = p.id '
    'WHERE p.workspace_id = %1$L AND s.workspace_id = %1$L AND p.deleted_at IS NULL '
    '  AND s.document LIKE %2$L AND %3$s '
    '  AND (%4$L::text IS NULL OR p.priority::text = %4$L) '
    '  AND (NOT %5$L::boolean OR p.recontact_at <= now()) '
    'ORDER BY %6$s LIMIT %7$s',
    client, pattern, after_cond, p_priority, coalesce(p_due, false), ord, p_limit);
END
$$;

-- Stalest first: the order of crm_needs_attention, from an index.
CREATE INDEX opportunities_quiet_since ON opportunities
  (workspace_id, (coalesce(last_activity_at, created_at)), id) WHERE deleted_at IS NULL;

-- The first p_limit open deals of one pipeline that need attention, by the
-- same rule as crm_needs_attention.
CREATE FUNCTION crm_needs_attention_first(p_now timestamptz, p_pipeline uuid, p_limit integer)
RETURNS TABLE (deal_id uuid, name text, stage_name text, idle_days integer,
               stale boolean, overdue boolean, no_recontact boolean)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  WITH open AS (
    SELECT o.id, o.name, p.stage_name, p.stale_after_days, o.close_date, o.recontact_at,
           coalesce(o.last_activity_at, o.created_at) AS quiet_since,
           floor(extract(epoch FROM p_now - coalesce(o.last_activity_at, o.created_at)) / 86400)::int
             AS idle_days,
           (p_now AT TIME ZONE (SELECT time_zone FROM crm_client_schedule))::date AS today
    FROM crm_deals o JOIN crm_pipeline p ON p.stage_id = o.stage_id
    WHERE o.pipeline_id = p_pipeline AND NOT p.is_won AND NOT p.is_lost
  )
  SELECT id, name, stage_name, idle_days,
         idle_days >= stale_after_days, coalesce(close_date < today, false), recontact_at IS NULL
  FROM open
  WHERE idle_days >= stale_after_days OR close_date < today OR recontact_at IS NULL
  ORDER BY quiet_since, id
  LIMIT p_limit;
$$;

-- The page function replaces the unbounded one.
DROP FUNCTION crm_search_contacts(text);

RESET ROLE;

DELETE FROM redkey_function_policy WHERE signature = 'crm_search_contacts(text)';
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_search_contacts_page(text,text,text,text,uuid,text,boolean,integer)', 'redkey_human'),
  ('crm_search_contacts_page(text,text,text,text,uuid,text,boolean,integer)', 'redkey_agent'),
  ('crm_needs_attention_first(timestamp with time zone,uuid,integer)', 'redkey_human'),
  ('crm_needs_attention_first(timestamp with time zone,uuid,integer)', 'redkey_agent');
SELECT redkey_apply_grants();
