-- Pages whose work is bounded by what they show.
--
-- 1. Contact search returns one page, in the page's order, after its
--    cursor: the limit and the order live inside the function. It first
--    walks the page's order for a few hundred rows, testing each one's
--    document (a very common term fills its page there); when that does
--    not fill the page, the candidates come from the trigram index in a
--    separately planned (materialised) query. In one query joined with
--    people (row security forced), Postgres will not use the trigram index
--    for the LIKE on contact_search (a non-leakproof qual in a query under
--    row security): measured at 50,000 contacts, a selective term scanned
--    every document.
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
  conds text;
  found uuid[];
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
  conds := format(
    'p.workspace_id = %1$L AND p.deleted_at IS NULL AND %2$s '
    'AND (%3$L::text IS NULL OR p.priority::text = %3$L) '
    'AND (NOT %4$L::boolean OR p.recontact_at <= now())',
    client, after_cond, p_priority, coalesce(p_due, false));
  -- The first 500 rows of the order, each tested: exact whenever it fills
  -- the page, since these are the first rows of the order.
  EXECUTE format(
    'SELECT array_agg(u.id ORDER BY u.n) FROM ('
    '  SELECT u.id, u.n FROM unnest((SELECT array_agg(p.id ORDER BY %2$s) FROM ('
    '    SELECT p.id, p.name_last_name, p.name_first_name, p.activity_order, p.created_at '
    '    FROM people p WHERE %1$s ORDER BY %2$s LIMIT 500) p)) WITH ORDINALITY AS u(id, n) '
    '  WHERE EXISTS (SELECT 1 FROM contact_search s '
    '                WHERE s.person_id = u.id AND s.document LIKE %3$L) '
    '  ORDER BY u.n LIMIT %4$s) u',
    conds, ord, pattern, p_limit) INTO found;
  IF cardinality(found) >= p_limit THEN
    RETURN QUERY SELECT unnest(found);
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format(
    'WITH m AS MATERIALIZED (SELECT person_id FROM contact_search '
    '                        WHERE workspace_id = %1$L AND document LIKE %2$L) '
    'SELECT p.id FROM people p JOIN m ON m.person_id = p.id WHERE %3$s ORDER BY %4$s LIMIT %5$s',
    client, pattern, conds, ord, p_limit);
END
$$;

-- Stalest first: the order of crm_needs_attention, from an index.
CREATE INDEX opportunities_quiet_since ON opportunities
  (workspace_id, (coalesce(last_activity_at, created_at)), id) WHERE deleted_at IS NULL;

-- The first p_limit open deals of one pipeline that need attention, by the
-- same rule as crm_needs_attention. PL/pgSQL keeps its plan for the
-- connection (a SQL function with SET is planned again on every call).
CREATE FUNCTION crm_needs_attention_first(p_now timestamptz, p_pipeline uuid,
                                                     p_limit integer)
RETURNS TABLE (deal_id uuid, name text, stage_name text, idle_days integer,
               stale boolean, overdue boolean, no_recontact boolean)
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  WITH open AS (
    SELECT o.id, o.name, p.stage_name, p.stale_after_days, o.close_date, o.recontact_at,
           coalesce(o.last_activity_at, o.created_at) AS quiet_since,
           floor(extract(epoch FROM p_now - coalesce(o.last_activity_at, o.created_at)) / 86400)::int
             AS idle,
           (p_now AT TIME ZONE (SELECT time_zone FROM crm_client_schedule))::date AS today
    FROM crm_deals o JOIN crm_pipeline p ON p.stage_id = o.stage_id
    WHERE o.pipeline_id = p_pipeline AND NOT p.is_won AND NOT p.is_lost
  )
  SELECT open.id, open.name, open.stage_name, open.idle,
         open.idle >= open.stale_after_days, coalesce(open.close_date < open.today, false),
         open.recontact_at IS NULL
  FROM open
  WHERE open.idle >= open.stale_after_days OR open.close_date < open.today
     OR open.recontact_at IS NULL
  ORDER BY open.quiet_since, open.id
  LIMIT p_limit;
END
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
