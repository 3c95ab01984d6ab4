-- The contacts list's search for an attached client (adapter migration
-- 19) tested the first 500 contacts of the page's order against their
-- names, email and company name, joining the companies view for the
-- names. The planner took that join as a hash of every company of the
-- workspace (5,000 read through Twenty's table and the extension rows for
-- 500 people), about a third of a selective search's time. The company's
-- name now comes from the search side row kept for it (its lowercased
-- name, live companies only, as the view shows them), one key lookup per
-- contact: the same text, so the same page. The candidates' test after
-- the trigram step is unchanged (it reads few rows).
--
-- A term that runs from a person's email on into their company's name
-- ("lee.test acme") is in no side table: only the first step finds it.
-- When that step's matches did not fill the page they were dropped and
-- the trigram step answered alone, so such a term was never found; they
-- are now among the trigram step's candidates.

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
  RETURN QUERY EXECUTE format(
    'WITH named AS MATERIALIZED ('
    '       SELECT person_id AS id FROM redkey_twenty.contact_search '
    '       WHERE workspace_id = %1$L AND names LIKE %2$L), '
    '     firms AS MATERIALIZED ('
    '       SELECT record_id AS id FROM redkey_twenty.record_search '
    '       WHERE workspace_id = %1$L AND kind = ''company'' AND document LIKE %2$L), '
    '     m AS (SELECT id FROM named '
    '           UNION SELECT c.id FROM redkey_twenty.crm_contacts c JOIN firms ON firms.id = c.company_id '
    '           UNION SELECT unnest(%6$L::uuid[])) '
    'SELECT c.id FROM redkey_twenty.crm_contacts c JOIN m ON m.id = c.id '
    'LEFT JOIN redkey_twenty.crm_companies co ON co.id = c.company_id '
    'WHERE lower(concat_ws('' '', c.first_name, c.last_name, c.email, co.name)) LIKE %2$L AND %3$s '
    'ORDER BY %4$s LIMIT %5$s',
    client, pattern, conds, ord, p_limit, coalesce(found, '{}'));
END
$$;

RESET ROLE;
