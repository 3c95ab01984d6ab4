-- Arlo's name resolver (crm_search_records) asks each kind for its best
-- matches first, like search everywhere (BENCHMARKS.md, session 29).
--
-- It used to rank every record whose words were like the query's at a
-- similarity of 0.5: at 50,000 contacts a typo of one name ("surnam4242")
-- matched every "surnameN" and took 700-900 ms, on each strategic
-- sentence. Now contacts, companies and deals each come from their side
-- table at the highest level where any matches (redkey_search_side), at
-- most 200 of a kind, and only those are scored as before (the mean of
-- the words' similarities) and ranked. Contacts are searched by their
-- names and email (`contact_search.names`: a company's name in every
-- contact's document made its words match all 50,000 of them). Each kind
-- is searched for the whole query and for each of its words, and the
-- companies found bring their contacts and deals along, so "sarah
-- meridian" and "expansion harbr" are found as before (a contact's and a
-- deal's text end with their company's name). Stages are few and are
-- read as before.

SET LOCAL ROLE redkey_owner;

SELECT similarity('', '');

-- The side search of one kind of record_search's rows: searched all
-- together, the best level of one kind (a note named like the query)
-- would hide the others'. Plain views of the owner's, read by the search
-- functions only (as their owner), each served by partial trigram indexes
-- of its own.
CREATE VIEW record_search_company AS
  SELECT record_id, workspace_id, document FROM record_search WHERE kind = 'company';
CREATE VIEW record_search_deal AS
  SELECT record_id, workspace_id, document FROM record_search WHERE kind = 'deal';
REVOKE ALL ON record_search_company, record_search_deal FROM PUBLIC;
CREATE INDEX record_search_company_words ON record_search USING gin (document gin_trgm_ops)
  WITH (fastupdate = off) WHERE kind = 'company';
CREATE INDEX record_search_deal_words ON record_search USING gin (document gin_trgm_ops)
  WITH (fastupdate = off) WHERE kind = 'deal';
CREATE INDEX record_search_company_nearest ON record_search
  USING gist ((' ' || document) gist_trgm_ops) WHERE kind = 'company';
CREATE INDEX record_search_deal_nearest ON record_search
  USING gist ((' ' || document) gist_trgm_ops) WHERE kind = 'deal';

-- The candidates a resolver scores, from the side tables of the caller's
-- search path: the contacts (by names and email), companies and deals
-- like the query as a whole, and like each of its words, because the
-- text a contact or deal is matched against ends with its company's name
-- ("sarah meridian", "acme renewal"). The side table's statistics mix
-- the kinds, so a word every company holds looks as common among deals,
-- and a level no deal matched was answered by reading the whole table (76
-- ms at 15,000 records; 1 ms through the kind's partial index): no table
-- scans for those two. The function's SET restores the setting.
CREATE FUNCTION redkey_search_named(p_client uuid, p_words text[], p_limit integer,
                                    OUT people_ids uuid[], OUT company_ids uuid[],
                                    OUT deal_ids uuid[])
LANGUAGE plpgsql VOLATILE SET enable_seqscan = on AS $$
DECLARE
  n integer := cardinality(p_words);
  part text[];
  whole text;
BEGIN
  people_ids := '{}';
  company_ids := '{}';
  deal_ids := '{}';
  FOR i IN 0 .. CASE WHEN n > 1 THEN n ELSE 0 END LOOP
    part := CASE WHEN i = 0 THEN p_words ELSE ARRAY[p_words[i]] END;
    whole := array_to_string(part, ' ');
    PERFORM set_config('enable_seqscan', 'on', true);
    people_ids := people_ids || redkey_search_side('contact_search', 'person_id', 'names',
                                                   p_client, part, whole, p_limit, false);
    PERFORM set_config('enable_seqscan', 'off', true);
    company_ids := company_ids || redkey_search_side('record_search_company', 'record_id',
                                                     'document', p_client, part, whole,
                                                     p_limit, true);
    deal_ids := deal_ids || redkey_search_side('record_search_deal', 'record_id', 'document',
                                               p_client, part, whole, p_limit, true);
  END LOOP;
  -- A company like the whole query and like its words is listed once, at
  -- its first place: its contacts and deals take their slots once.
  company_ids := ARRAY(SELECT u.id FROM unnest(company_ids) WITH ORDINALITY u(id, n)
                       GROUP BY u.id ORDER BY min(u.n));
END
$$;
REVOKE ALL ON FUNCTION redkey_search_named(uuid, text[], integer) FROM PUBLIC;

-- Every word of the query must be like a word of the record (trigram word
-- similarity of at least 0.5, which lets one typo through in a short
-- word); the score is the words' mean. The side searches leave their last
-- level set, so the checks here compare similarities, not the operator.
CREATE OR REPLACE FUNCTION crm_search_records(p_query text, p_limit integer)
RETURNS TABLE (kind text, id uuid, label text, detail text, score real)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
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
    (SELECT p.id FROM unnest(named.company_ids) WITH ORDINALITY f(company_id, n)
     JOIN people p ON p.workspace_id = client AND p.company_id = f.company_id
     WHERE p.deleted_at IS NULL ORDER BY f.n LIMIT 200)
  ), deal_ids AS (
    SELECT unnest(named.deal_ids) AS id
    UNION
    (SELECT o.id FROM unnest(named.company_ids) WITH ORDINALITY f(company_id, n)
     JOIN opportunities o ON o.workspace_id = client AND o.company_id = f.company_id
     WHERE o.deleted_at IS NULL ORDER BY f.n LIMIT 200)
  ), docs AS (
    SELECT 'contact'::text AS kind, p.id, btrim(p.name_first_name || ' ' || p.name_last_name) AS label,
           coalesce(c.name, p.emails_primary_email, '') AS detail, s.document AS doc
    FROM people p
    JOIN contact_search s ON s.person_id = p.id AND s.workspace_id = p.workspace_id
    LEFT JOIN companies c ON c.workspace_id = p.workspace_id AND c.id = p.company_id
                         AND c.deleted_at IS NULL
    WHERE p.id IN (SELECT i.id FROM contact_ids i) AND p.workspace_id = client
      AND p.deleted_at IS NULL
    UNION ALL
    SELECT 'company', c.id, c.name, coalesce(c.domain_name_primary_link_url, ''), lower(c.name)
    FROM companies c
    WHERE c.id = ANY (named.company_ids) AND c.workspace_id = client AND c.deleted_at IS NULL
    UNION ALL
    SELECT 'deal', o.id, o.name, coalesce(st.name, ''), lower(o.name || ' ' || coalesce(c.name, ''))
    FROM opportunities o
    JOIN pipeline_stages st ON st.workspace_id = o.workspace_id AND st.id = o.stage_id
    LEFT JOIN companies c ON c.workspace_id = o.workspace_id AND c.id = o.company_id
                         AND c.deleted_at IS NULL
    WHERE o.id IN (SELECT i.id FROM deal_ids i) AND o.workspace_id = client
      AND o.deleted_at IS NULL
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

SELECT redkey_apply_grants();
