-- One search over the client's records (contacts, companies, deals,
-- stages), typo-tolerant by trigram similarity: what arlo resolves names
-- in sentences with, and what a search page will extend. Like
-- crm_search_contacts it runs as the owner with an explicit client filter,
-- and each call is planned with its own query so the trigram index serves.

SET LOCAL ROLE redkey_owner;

-- Every word of the query must be like a word of the record (trigram word
-- similarity of at least 0.5, which lets one typo through in a short
-- word); the score is the words' mean.
CREATE FUNCTION crm_search_records(p_query text, p_limit integer)
RETURNS TABLE (kind text, id uuid, label text, detail text, score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  SET pg_trgm.word_similarity_threshold = 0.5 AS $$
DECLARE
  client uuid := redkey_client_id();
  words text[] := array_remove(regexp_split_to_array(lower(btrim(p_query)), '\s+'), '');
  cond text;
  score text;
  contact_doc text := 's.document';
  company_doc text := 'lower(c.name)';
  deal_doc text := $d$lower(o.name || ' ' || coalesce(c.name, ''))$d$;
  stage_doc text := 'lower(s.name)';
BEGIN
  IF client IS NULL OR cardinality(words) = 0 THEN
    RETURN;
  END IF;
  words := words[1:8];
  SELECT string_agg(format('%L <%% {doc}', w), ' AND '),
         '((' || string_agg(format('word_similarity(%L, {doc})', w), ' + ') || ') / '
           || count(*) || ')::real'
  INTO cond, score FROM unnest(words) w;
  RETURN QUERY EXECUTE
    $q$WITH hits AS (
       SELECT 'contact'::text AS kind, p.id,
              btrim(p.name_first_name || ' ' || p.name_last_name) AS label,
              coalesce(c.name, p.emails_primary_email, '') AS detail, $q$
              || replace(score, '{doc}', contact_doc) || $q$ AS score
       FROM contact_search s
       JOIN people p ON p.id = s.person_id AND p.workspace_id = s.workspace_id
       LEFT JOIN companies c ON c.workspace_id = p.workspace_id AND c.id = p.company_id
                            AND c.deleted_at IS NULL
       WHERE s.workspace_id = $q$ || quote_literal(client) || $q$ AND p.deleted_at IS NULL AND $q$
              || replace(cond, '{doc}', contact_doc) || $q$
       UNION ALL
       SELECT 'company', c.id, c.name, coalesce(c.domain_name_primary_link_url, ''), $q$
              || replace(score, '{doc}', company_doc) || $q$
       FROM companies c
       WHERE c.workspace_id = $q$ || quote_literal(client) || $q$ AND c.deleted_at IS NULL AND $q$
              || replace(cond, '{doc}', company_doc) || $q$
       UNION ALL
       SELECT 'deal', o.id, o.name, coalesce(st.name, ''), $q$
              || replace(score, '{doc}', deal_doc) || $q$
       FROM opportunities o
       JOIN pipeline_stages st ON st.workspace_id = o.workspace_id AND st.id = o.stage_id
       LEFT JOIN companies c ON c.workspace_id = o.workspace_id AND c.id = o.company_id
                            AND c.deleted_at IS NULL
       WHERE o.workspace_id = $q$ || quote_literal(client) || $q$ AND o.deleted_at IS NULL AND $q$
              || replace(cond, '{doc}', deal_doc) || $q$
       UNION ALL
       SELECT 'stage', s.id, s.name, p.name, $q$ || replace(score, '{doc}', stage_doc) || $q$
       FROM pipeline_stages s
       JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
       WHERE s.workspace_id = $q$ || quote_literal(client) || $q$ AND s.archived_at IS NULL
         AND p.deleted_at IS NULL AND $q$ || replace(cond, '{doc}', stage_doc) || $q$
     )
     SELECT kind, id, label, detail, score FROM hits
     ORDER BY score DESC, kind, label, id LIMIT $q$ || greatest(1, least(p_limit, 100));
END
$$;

RESET ROLE;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_search_records(text,integer)', 'redkey_human'),
  ('crm_search_records(text,integer)', 'redkey_agent');
SELECT redkey_apply_grants();
