-- The contacts list's search (migration 0028) tested the first 500
-- contacts of the page's order against the term, and only when those did
-- not fill the page asked the trigram index. A selective term ("a
-- surname") paid both: 500 probes that found nothing, then the index (at
-- the benchmark's size, 4.7-5.7 ms of which the probes were half). The
-- planner's estimate of the term's matches, from the column's statistics
-- (an EXPLAIN: nothing is read), now chooses: a term expected to match few
-- contacts is answered from the index alone, every match then the order.
-- The read is capped, so a wrong estimate costs a bounded read before the
-- walk in the page's order, as before.

SET LOCAL ROLE redkey_owner;

-- The rows the planner expects `p_query` to return. EXPLAIN may run only
-- in a volatile function, so the search (stable) asks this one.
CREATE FUNCTION redkey_expected_rows(p_query text) RETURNS numeric
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || p_query INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
END
$$;
REVOKE ALL ON FUNCTION redkey_expected_rows(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION crm_search_contacts_page(
  p_query text, p_sort text, p_after_a text, p_after_b text, p_after_id uuid,
  p_priority text, p_due boolean, p_limit integer)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 50 AS $$
DECLARE
  client uuid := NULLIF(current_setting('redkey.client_id', true), '')::uuid;
  pattern text := '%' || replace(replace(replace(lower(btrim(p_query)), '\', '\\'), '%', '\%'), '_', '\_') || '%';
  matches text;
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
  matches := format('SELECT person_id FROM contact_search WHERE workspace_id = %L AND document LIKE %L',
                    client, pattern);

  IF redkey_expected_rows(matches) <= 1000 THEN
    EXECUTE 'SELECT array_agg(person_id) FROM (' || matches || ' LIMIT 2001) m' INTO found;
    IF coalesce(cardinality(found), 0) <= 2000 THEN
      RETURN QUERY EXECUTE format(
        'SELECT p.id FROM people p WHERE p.id = ANY ($1) AND %s ORDER BY %s LIMIT %s',
        conds, ord, p_limit)
      USING found;
      RETURN;
    END IF;
  END IF;

  -- A common term: the first 500 rows of the order, each tested, are exact
  -- whenever they fill the page, since these are the first rows of the order.
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
    'WITH m AS MATERIALIZED (%s) '
    'SELECT p.id FROM people p JOIN m ON m.person_id = p.id WHERE %s ORDER BY %s LIMIT %s',
    matches, conds, ord, p_limit);
END
$$;

RESET ROLE;
