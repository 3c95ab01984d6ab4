-- Contact search for an attached client (found before public's by the
-- search path): the same contract as crm_search_contacts_page (one page,
-- in the page's order, after its cursor), over the adapted view. The
-- document is the main one's: first and last name, email, company name.

SET LOCAL ROLE redkey_owner;

CREATE FUNCTION redkey_twenty.crm_search_contacts_page(
  p_query text, p_sort text, p_after_a text, p_after_b text, p_after_id uuid,
  p_priority text, p_due boolean, p_limit integer)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 50 AS $$
DECLARE
  pattern text := '%' || replace(replace(replace(lower(btrim(p_query)), '\', '\\'), '%', '\%'), '_', '\_') || '%';
  after_cond text := 'true';
  ord text;
BEGIN
  IF redkey_client_id() IS NULL OR p_limit IS NULL OR p_limit < 1 THEN
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
  RETURN QUERY EXECUTE format(
    'SELECT c.id FROM redkey_twenty.crm_contacts c '
    'LEFT JOIN redkey_twenty.crm_companies co ON co.id = c.company_id '
    'WHERE lower(concat_ws('' '', c.first_name, c.last_name, c.email, co.name)) LIKE %L '
    'AND %s AND (%L::text IS NULL OR c.priority::text = %L) '
    'AND (NOT %L::boolean OR c.recontact_at <= now()) ORDER BY %s LIMIT %s',
    pattern, after_cond, p_priority, p_priority, coalesce(p_due, false), ord, p_limit);
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.crm_search_contacts_page(text, text, text, text, uuid, text, boolean, integer)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_search_contacts_page(text, text, text, text, uuid, text, boolean, integer)
  TO redkey_human, redkey_agent;
