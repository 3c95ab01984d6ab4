-- Search everywhere: the command palette and the search page find the
-- client's contacts, companies, deals, notes and to-dos, typo-tolerant,
-- like crm_search_records (arlo's name resolver, unchanged: it also finds
-- stages and matches a deal by its company's name). Each kind's document
-- is an indexed expression, so the trigram indexes serve each word.

SET LOCAL ROLE redkey_owner;

CREATE INDEX companies_name_trgm ON companies USING gin (lower(name) gin_trgm_ops)
  WHERE deleted_at IS NULL;
CREATE INDEX opportunities_name_trgm ON opportunities USING gin (lower(name) gin_trgm_ops)
  WHERE deleted_at IS NULL;
CREATE INDEX notes_title_trgm ON notes USING gin (lower(title) gin_trgm_ops)
  WHERE deleted_at IS NULL;
CREATE INDEX todos_title_trgm ON todos USING gin (lower(title) gin_trgm_ops)
  WHERE deleted_at IS NULL;

-- Every word of the query must be like a word of the record (trigram word
-- similarity of at least 0.5); the score is the words' mean. Runs as the
-- owner with an explicit client filter, planned per call; the words travel
-- as a parameter ($1), never inside the statement's text.
CREATE FUNCTION crm_search_everything(p_query text, p_limit integer)
RETURNS TABLE (kind text, id uuid, label text, detail text, score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  SET pg_trgm.word_similarity_threshold = 0.5 AS $$
DECLARE
  client uuid := redkey_client_id();
  words text[] := array_remove(regexp_split_to_array(lower(btrim(p_query)), '\s+'), '');
  lim integer := greatest(1, least(p_limit, 50));
  cond text;
  score text;
BEGIN
  IF client IS NULL OR cardinality(words) = 0 THEN
    RETURN;
  END IF;
  words := words[1:8];
  SELECT string_agg(format('$1[%s] <%% {doc}', i), ' AND '),
         '((' || string_agg(format('word_similarity($1[%s], {doc})', i), ' + ') || ') / '
           || count(*) || ')::real'
  INTO cond, score FROM generate_subscripts(words, 1) i;
  -- Each kind takes its own best `lim`, so a common word cannot make one
  -- kind scan past what is shown.
  RETURN QUERY EXECUTE
    'SELECT kind, id, label, detail, score FROM (('
    || 'SELECT ''contact''::text AS kind, p.id, '
    || 'btrim(p.name_first_name || '' '' || p.name_last_name)::text AS label, '
    || 'coalesce(p.emails_primary_email, '''')::text AS detail, '
    || replace(score, '{doc}', 's.document') || ' AS score '
    || 'FROM contact_search s JOIN people p ON p.id = s.person_id AND p.workspace_id = s.workspace_id '
    || 'WHERE s.workspace_id = $2 AND p.deleted_at IS NULL AND ' || replace(cond, '{doc}', 's.document')
    || ' ORDER BY 5 DESC, 3, 2 LIMIT $3) UNION ALL ('
    || 'SELECT ''company'', c.id, c.name, coalesce(c.domain_name_primary_link_url, ''''), '
    || replace(score, '{doc}', 'lower(c.name)')
    || ' FROM companies c WHERE c.workspace_id = $2 AND c.deleted_at IS NULL AND '
    || replace(cond, '{doc}', 'lower(c.name)')
    || ' ORDER BY 5 DESC, 3, 2 LIMIT $3) UNION ALL ('
    || 'SELECT ''deal'', o.id, o.name, st.name, ' || replace(score, '{doc}', 'lower(o.name)')
    || ' FROM opportunities o JOIN pipeline_stages st '
    || 'ON st.workspace_id = o.workspace_id AND st.id = o.stage_id '
    || 'WHERE o.workspace_id = $2 AND o.deleted_at IS NULL AND ' || replace(cond, '{doc}', 'lower(o.name)')
    || ' ORDER BY 5 DESC, 3, 2 LIMIT $3) UNION ALL ('
    || 'SELECT ''note'', n.id, n.title, left(n.body_v2_markdown, 120), '
    || replace(score, '{doc}', 'lower(n.title)')
    || ' FROM notes n WHERE n.workspace_id = $2 AND n.deleted_at IS NULL AND '
    || replace(cond, '{doc}', 'lower(n.title)')
    || ' ORDER BY 5 DESC, 3, 2 LIMIT $3) UNION ALL ('
    || 'SELECT ''todo'', t.id, t.title, t.status::text, ' || replace(score, '{doc}', 'lower(t.title)')
    || ' FROM todos t WHERE t.workspace_id = $2 AND t.deleted_at IS NULL AND '
    || replace(cond, '{doc}', 'lower(t.title)')
    || ' ORDER BY 5 DESC, 3, 2 LIMIT $3)) hits ORDER BY score DESC, kind, label, id LIMIT $3'
  USING words, client, lim;
END
$$;

RESET ROLE;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_search_everything(text,integer)', 'redkey_human'),
  ('crm_search_everything(text,integer)', 'redkey_agent');
SELECT redkey_apply_grants();
