-- Search everywhere, measured (BENCHMARKS.md): with GIN indexes a word
-- that matches most records ("company") made each kind fetch every match
-- and sort them all (0.7 s at 50,000 contacts). GiST trigram indexes walk
-- the records nearest to the query first, so each kind stops after the
-- few it shows. The deals table's orders get their indexes too.

SET LOCAL ROLE redkey_owner;

DROP INDEX companies_name_trgm, opportunities_name_trgm, notes_title_trgm, todos_title_trgm;
CREATE INDEX contact_search_nearest ON contact_search USING gist (document gist_trgm_ops);
CREATE INDEX companies_name_nearest ON companies USING gist (lower(name) gist_trgm_ops)
  WHERE deleted_at IS NULL;
CREATE INDEX opportunities_name_nearest ON opportunities USING gist (lower(name) gist_trgm_ops)
  WHERE deleted_at IS NULL;
CREATE INDEX notes_title_nearest ON notes USING gist (lower(title) gist_trgm_ops)
  WHERE deleted_at IS NULL;
CREATE INDEX todos_title_nearest ON todos USING gist (lower(title) gist_trgm_ops)
  WHERE deleted_at IS NULL;

-- The deals table's orders (the expressions the view's ORDER BY becomes).
CREATE INDEX opportunities_name_order ON opportunities (workspace_id, name, id)
  WHERE deleted_at IS NULL;
CREATE INDEX opportunities_amount_order
  ON opportunities (workspace_id, coalesce(amount_amount_micros, -1) DESC, id DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX opportunities_close_order
  ON opportunities (workspace_id, coalesce(close_date, 'infinity'), id)
  WHERE deleted_at IS NULL;
CREATE INDEX opportunities_created_order ON opportunities (workspace_id, created_at DESC, id DESC)
  WHERE deleted_at IS NULL;

-- Same contract as before; each kind now takes its nearest `lim` to the
-- whole query ($4) among those where every word is like a word of the
-- name, and the score is the whole query's word similarity.
CREATE OR REPLACE FUNCTION crm_search_everything(p_query text, p_limit integer)
RETURNS TABLE (kind text, id uuid, label text, detail text, score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  SET pg_trgm.word_similarity_threshold = 0.5 AS $$
DECLARE
  client uuid := redkey_client_id();
  words text[] := array_remove(regexp_split_to_array(lower(btrim(p_query)), '\s+'), '');
  lim integer := greatest(1, least(p_limit, 50));
  cond text;
BEGIN
  IF client IS NULL OR cardinality(words) = 0 THEN
    RETURN;
  END IF;
  words := words[1:8];
  SELECT string_agg(format('$1[%s] <%% {doc}', i), ' AND ')
  INTO cond FROM generate_subscripts(words, 1) i;
  RETURN QUERY EXECUTE
    'SELECT kind, id, label, detail, score FROM (('
    || 'SELECT ''contact''::text AS kind, p.id, '
    || 'btrim(p.name_first_name || '' '' || p.name_last_name)::text AS label, '
    || 'coalesce(p.emails_primary_email, '''')::text AS detail, '
    || '(1 - (s.document <->> $4))::real AS score '
    || 'FROM contact_search s JOIN people p ON p.id = s.person_id AND p.workspace_id = s.workspace_id '
    || 'WHERE s.workspace_id = $2 AND p.deleted_at IS NULL AND ' || replace(cond, '{doc}', 's.document')
    || ' ORDER BY s.document <->> $4 LIMIT $3) UNION ALL ('
    || 'SELECT ''company'', c.id, c.name, coalesce(c.domain_name_primary_link_url, ''''), '
    || '(1 - (lower(c.name) <->> $4))::real'
    || ' FROM companies c WHERE c.workspace_id = $2 AND c.deleted_at IS NULL AND '
    || replace(cond, '{doc}', 'lower(c.name)')
    || ' ORDER BY lower(c.name) <->> $4 LIMIT $3) UNION ALL ('
    || 'SELECT ''deal'', o.id, o.name, st.name, (1 - (lower(o.name) <->> $4))::real'
    || ' FROM opportunities o JOIN pipeline_stages st '
    || 'ON st.workspace_id = o.workspace_id AND st.id = o.stage_id '
    || 'WHERE o.workspace_id = $2 AND o.deleted_at IS NULL AND ' || replace(cond, '{doc}', 'lower(o.name)')
    || ' ORDER BY lower(o.name) <->> $4 LIMIT $3) UNION ALL ('
    || 'SELECT ''note'', n.id, n.title, left(n.body_v2_markdown, 120), '
    || '(1 - (lower(n.title) <->> $4))::real'
    || ' FROM notes n WHERE n.workspace_id = $2 AND n.deleted_at IS NULL AND '
    || replace(cond, '{doc}', 'lower(n.title)')
    || ' ORDER BY lower(n.title) <->> $4 LIMIT $3) UNION ALL ('
    || 'SELECT ''todo'', t.id, t.title, t.status::text, (1 - (lower(t.title) <->> $4))::real'
    || ' FROM todos t WHERE t.workspace_id = $2 AND t.deleted_at IS NULL AND '
    || replace(cond, '{doc}', 'lower(t.title)')
    || ' ORDER BY lower(t.title) <->> $4 LIMIT $3)) hits ORDER BY score DESC, kind, label, id LIMIT $3'
  USING words, client, lim, array_to_string(words, ' ');
END
$$;

RESET ROLE;
