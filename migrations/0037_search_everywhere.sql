-- Search everywhere: the command palette and the search page find the
-- client's contacts, companies, deals, notes and to-dos, typo-tolerant,
-- like crm_search_records (arlo's name resolver, unchanged: it also finds
-- stages and matches a deal by its company's name). Each kind takes its
-- records nearest to the query first (trigram word distance) and stops at
-- the limit; contacts walk a GiST index on their side table. The other
-- kinds sit behind forced row security, where the trigram operators (not
-- leakproof) cannot use an index at all, so none is built for them
-- (BENCHMARKS.md, "Tables and search everywhere", has the measurements).
-- The words are literals made by format's %L in one pass: as parameters the
-- planner could not see them and fetched every match of a common word.

SET LOCAL ROLE redkey_owner;

-- pg_trgm's settings exist in a session only once the extension's library
-- is loaded, and only then may this role name one in a function's SET
-- clause: a migration run on its own (an upgrade) must load it first.
SELECT similarity('', '');

CREATE INDEX contact_search_nearest ON contact_search USING gist (document gist_trgm_ops);

-- "every word is like a word of doc": doc is one of the fixed expressions
-- below, never input.
CREATE FUNCTION redkey_like_every(p_words text[], p_doc text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(format('%L <%% %s', w, p_doc), ' AND ') FROM unnest(p_words) w;
$$;

CREATE FUNCTION crm_search_everything(p_query text, p_limit integer)
RETURNS TABLE (kind text, id uuid, label text, detail text, score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  SET pg_trgm.word_similarity_threshold = 0.5 AS $$
DECLARE
  client uuid := redkey_client_id();
  words text[] := array_remove(regexp_split_to_array(lower(btrim(p_query)), '\s+'), '');
  lim integer := greatest(1, least(p_limit, 50));
  whole text;
BEGIN
  IF client IS NULL OR cardinality(words) = 0 THEN
    RETURN;
  END IF;
  words := words[1:8];
  whole := array_to_string(words, ' ');
  RETURN QUERY EXECUTE format(
    'SELECT kind, id, label, detail, score FROM (('
    'SELECT ''contact''::text AS kind, p.id, '
    'btrim(p.name_first_name || '' '' || p.name_last_name)::text AS label, '
    'coalesce(p.emails_primary_email, '''')::text AS detail, (1 - (s.document <->> %2$L))::real AS score '
    'FROM contact_search s JOIN people p ON p.id = s.person_id AND p.workspace_id = s.workspace_id '
    'WHERE s.workspace_id = %1$L AND p.deleted_at IS NULL AND %4$s ORDER BY s.document <->> %2$L LIMIT %3$s'
    ') UNION ALL ('
    'SELECT ''company'', c.id, c.name, coalesce(c.domain_name_primary_link_url, ''''), (1 - (lower(c.name) <->> %2$L))::real '
    'FROM companies c WHERE c.workspace_id = %1$L AND c.deleted_at IS NULL AND %5$s '
    'ORDER BY lower(c.name) <->> %2$L LIMIT %3$s'
    ') UNION ALL ('
    'SELECT ''deal'', o.id, o.name, st.name, (1 - (lower(o.name) <->> %2$L))::real '
    'FROM opportunities o JOIN pipeline_stages st ON st.workspace_id = o.workspace_id AND st.id = o.stage_id '
    'WHERE o.workspace_id = %1$L AND o.deleted_at IS NULL AND %6$s ORDER BY lower(o.name) <->> %2$L LIMIT %3$s'
    ') UNION ALL ('
    'SELECT ''note'', n.id, n.title, left(n.body_v2_markdown, 120), (1 - (lower(n.title) <->> %2$L))::real '
    'FROM notes n WHERE n.workspace_id = %1$L AND n.deleted_at IS NULL AND %7$s '
    'ORDER BY lower(n.title) <->> %2$L LIMIT %3$s'
    ') UNION ALL ('
    'SELECT ''todo'', t.id, t.title, t.status::text, (1 - (lower(t.title) <->> %2$L))::real '
    'FROM todos t WHERE t.workspace_id = %1$L AND t.deleted_at IS NULL AND %8$s '
    'ORDER BY lower(t.title) <->> %2$L LIMIT %3$s'
    ')) hits ORDER BY score DESC, kind, label, id LIMIT %3$s',
    client, whole, lim,
    redkey_like_every(words, 's.document'), redkey_like_every(words, 'lower(c.name)'),
    redkey_like_every(words, 'lower(o.name)'), redkey_like_every(words, 'lower(n.title)'),
    redkey_like_every(words, 'lower(t.title)'));
END
$$;

RESET ROLE;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_search_everything(text,integer)', 'redkey_human'),
  ('crm_search_everything(text,integer)', 'redkey_agent');
SELECT redkey_apply_grants();
