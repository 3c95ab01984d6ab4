-- The contacts list's search for an attached client, as the main one's
-- (migration 0067): the walk of the page's order tested 500 contacts
-- before the trigram step for a selective term too. A term with no space
-- matches within one field (names and email, or the company's name), so
-- the two side tables hold all its matches; when the planner expects few
-- there, the trigram step answers alone. A term with a space may run from
-- one field into the next ("lee.test acme"), which only the walk finds.

SET LOCAL ROLE redkey_owner;

CREATE OR REPLACE FUNCTION redkey_twenty.crm_search_contacts_page(
  p_query text, p_sort text, p_after_a text, p_after_b text, p_after_id uuid,
  p_priority text, p_due boolean, p_limit integer)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 50 AS $$
DECLARE
  client uuid := redkey_client_id();
  pattern text := '%' || replace(replace(replace(lower(btrim(p_query)), '\', '\\'), '%', '\%'), '_', '\_') || '%';
  after_cond text := 'true';
  ord text;
  conds text;
  found uuid[];
  named text;
  firms text;
BEGIN
  IF client IS NULL OR p_limit IS NULL OR p_limit < 1 THEN
    RETURN;
  END IF;
  CASE p_sort
    WHEN 'name' THEN
      ord := 'c.last_name, c.first_name, c.id';
      IF p_after_id IS NOT NULL THEN
        after_cond := format('(c.last_name, c.first_name, c.id) > (%L, %L, %L::uuid)',
                             p_after_a, p_after_b, p_after_id);
      END IF;
    WHEN 'recent' THEN
      ord := 'c.activity_order DESC, c.id DESC';
      IF p_after_id IS NOT NULL THEN
        after_cond := format('(c.activity_order, c.id) < (%L::timestamptz, %L::uuid)',
                             p_after_a, p_after_id);
      END IF;
    WHEN 'newest' THEN
      ord := 'c.created_at DESC, c.id DESC';
      IF p_after_id IS NOT NULL THEN
        after_cond := format('(c.created_at, c.id) < (%L::timestamptz, %L::uuid)',
                             p_after_a, p_after_id);
      END IF;
    ELSE
      RAISE EXCEPTION 'unknown contact order %', p_sort USING ERRCODE = '22023';
  END CASE;
  conds := format(
    '%1$s AND (%2$L::text IS NULL OR c.priority::text = %2$L) '
    'AND (NOT %3$L::boolean OR c.recontact_at <= now())',
    after_cond, p_priority, coalesce(p_due, false));
  named := format('SELECT person_id AS id FROM redkey_twenty.contact_search '
                  'WHERE workspace_id = %L AND names LIKE %L', client, pattern);
  firms := format('SELECT record_id AS id FROM redkey_twenty.record_search '
                  'WHERE workspace_id = %L AND kind = ''company'' AND document LIKE %L', client, pattern);
  -- A term with no space lies within one field, so the side tables hold
  -- every match: when the planner expects few, the walk is skipped.
  IF btrim(p_query) !~ '\s'
     AND redkey_expected_rows(named) <= 1000
     AND redkey_expected_rows(format('SELECT c.id FROM redkey_twenty.crm_contacts c '
                                     'WHERE c.company_id IN (%s)', firms)) <= 1000 THEN
    found := '{}';
  ELSE
    EXECUTE format(
      'SELECT array_agg(u.id ORDER BY u.n) FROM ('
      '  SELECT f.id, f.n FROM (SELECT c.id, c.company_id, c.first_name, c.last_name, c.email, '
      '                                row_number() OVER (ORDER BY %2$s) AS n '
      '                         FROM (SELECT c.* FROM redkey_twenty.crm_contacts c WHERE %1$s '
      '                               ORDER BY %2$s LIMIT 500) c) f '
      '  WHERE lower(concat_ws('' '', f.first_name, f.last_name, f.email, '
      '                        (SELECT r.document FROM redkey_twenty.record_search r '
      '                         WHERE r.record_id = f.company_id))) LIKE %3$L '
      '  ORDER BY f.n LIMIT %4$s) u',
      conds, ord, pattern, p_limit) INTO found;
    IF cardinality(found) >= p_limit THEN
      RETURN QUERY SELECT unnest(found);
      RETURN;
    END IF;
  END IF;
  RETURN QUERY EXECUTE format(
    'WITH named AS MATERIALIZED (%7$s), firms AS MATERIALIZED (%8$s), '
    '     m AS (SELECT id FROM named '
    '           UNION SELECT c.id FROM redkey_twenty.crm_contacts c JOIN firms ON firms.id = c.company_id '
    '           UNION SELECT unnest(%6$L::uuid[])) '
    'SELECT c.id FROM redkey_twenty.crm_contacts c JOIN m ON m.id = c.id '
    'LEFT JOIN redkey_twenty.crm_companies co ON co.id = c.company_id '
    'WHERE lower(concat_ws('' '', c.first_name, c.last_name, c.email, co.name)) LIKE %2$L AND %3$s '
    'ORDER BY %4$s LIMIT %5$s',
    client, pattern, conds, ord, p_limit, coalesce(found, '{}'), named, firms);
END
$$;

RESET ROLE;
