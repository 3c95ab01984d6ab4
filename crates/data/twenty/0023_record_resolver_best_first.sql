-- Arlo's name resolver for an attached client asks each kind for its best
-- matches first, as the main set's does since its migration 64: it used
-- to build every contact's, company's and deal's text through the views
-- and rank all that matched. Contacts come from their names' side rows,
-- companies and deals from theirs (redkey_search_named, reading this
-- schema's side tables by the path the function pins), for the whole
-- query and for each of its words, and the companies found bring their
-- contacts and deals along, so "sarah meridian" and "expansion harbr" are
-- found as before (a contact's and a deal's text end with their
-- company's name). Only those candidates are scored, as before.

SET LOCAL ROLE redkey_owner;

SELECT similarity('', '');

CREATE VIEW redkey_twenty.record_search_company AS
  SELECT record_id, workspace_id, document FROM redkey_twenty.record_search WHERE kind = 'company';
CREATE VIEW redkey_twenty.record_search_deal AS
  SELECT record_id, workspace_id, document FROM redkey_twenty.record_search WHERE kind = 'deal';
REVOKE ALL ON redkey_twenty.record_search_company, redkey_twenty.record_search_deal FROM PUBLIC;
CREATE INDEX record_search_company_words ON redkey_twenty.record_search
  USING gin (document gin_trgm_ops) WITH (fastupdate = off) WHERE kind = 'company';
CREATE INDEX record_search_deal_words ON redkey_twenty.record_search
  USING gin (document gin_trgm_ops) WITH (fastupdate = off) WHERE kind = 'deal';
CREATE INDEX record_search_company_nearest ON redkey_twenty.record_search
  USING gist ((' ' || document) gist_trgm_ops) WHERE kind = 'company';
CREATE INDEX record_search_deal_nearest ON redkey_twenty.record_search
  USING gist ((' ' || document) gist_trgm_ops) WHERE kind = 'deal';

CREATE OR REPLACE FUNCTION redkey_twenty.crm_search_records(p_query text, p_limit integer)
RETURNS TABLE (kind text, id uuid, label text, detail text, score real)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = redkey_twenty, public, pg_temp
  SET pg_trgm.word_similarity_threshold = 0.5 AS $$
DECLARE
  client uuid := redkey_client_id();
  words text[] := array_remove(regexp_split_to_array(lower(btrim(p_query)), '\s+'), '');
  lim integer := greatest(1, least(p_limit, 100));
  named record;
BEGIN
  IF client IS NULL OR cardinality(words) = 0 THEN
    RETURN;
  END IF;
  words := words[1:8];
  SELECT * INTO named FROM redkey_search_named(client, words, lim);
  RETURN QUERY
  -- At most 200 of a kind's records come in by their company, those of
  -- the companies like the whole query first; the ones found by their own
  -- names always do.
  WITH contact_ids AS (
    SELECT unnest(named.people_ids) AS id
    UNION
    (SELECT c.id FROM unnest(named.company_ids) WITH ORDINALITY f(company_id, n)
     JOIN redkey_twenty.crm_contacts c ON c.company_id = f.company_id ORDER BY f.n LIMIT 200)
  ), deal_ids AS (
    SELECT unnest(named.deal_ids) AS id
    UNION
    (SELECT d.id FROM unnest(named.company_ids) WITH ORDINALITY f(company_id, n)
     JOIN redkey_twenty.crm_deals d ON d.company_id = f.company_id ORDER BY f.n LIMIT 200)
  ), docs AS (
    SELECT 'contact'::text AS kind, c.id, btrim(c.first_name || ' ' || c.last_name) AS label,
           coalesce(co.name, c.email, '') AS detail,
           lower(concat_ws(' ', c.first_name, c.last_name, c.email, co.name)) AS doc
    FROM redkey_twenty.crm_contacts c
    LEFT JOIN redkey_twenty.crm_companies co ON co.id = c.company_id
    WHERE c.id IN (SELECT i.id FROM contact_ids i)
    UNION ALL
    SELECT 'company', co.id, co.name, coalesce(co.domain, ''), lower(co.name)
    FROM redkey_twenty.crm_companies co
    WHERE co.id = ANY (named.company_ids)
    UNION ALL
    SELECT 'deal', d.id, d.name, coalesce(st.name, ''), lower(d.name || ' ' || coalesce(co.name, ''))
    FROM redkey_twenty.crm_deals d
    LEFT JOIN pipeline_stages st ON st.workspace_id = client AND st.id = d.stage_id
    LEFT JOIN redkey_twenty.crm_companies co ON co.id = d.company_id
    WHERE d.id IN (SELECT i.id FROM deal_ids i)
    UNION ALL
    SELECT 'stage', s.id, s.name, p.name, lower(s.name)
    FROM pipeline_stages s
    JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    WHERE s.workspace_id = client AND s.archived_at IS NULL AND p.deleted_at IS NULL
  )
  SELECT h.kind, h.id, h.label::text, h.detail::text, h.score FROM (
    SELECT d.kind, d.id, d.label, d.detail,
           (SELECT avg(word_similarity(w, d.doc)) FROM unnest(words) w)::real AS score,
           (SELECT bool_and(word_similarity(w, d.doc) >= 0.5) FROM unnest(words) w) AS every_word
    FROM docs d
  ) h
  WHERE h.every_word
  ORDER BY h.score DESC, h.kind, h.label, h.id
  LIMIT lim;
END
$$;

RESET ROLE;
