-- Search everywhere asks each side table for its closest matches first
-- (BENCHMARKS.md, session 12).
--
-- - The levels used to rise from 0.5 until at most 200 records matched, so
--   a typo of one name ("surnam4242") first matched every record sharing
--   its start. Now whole words come first (1.0), then the words one typo
--   away (search_near_words, below), then 0.6 and 0.5, and the first level
--   where anything matches is the answer: a record matching every word
--   whole is never crowded out by near-misses, which are shown only when
--   nothing closer exists.
-- - The level queries on record_search took the GiST index for their
--   bitmap (5-10x slower than the GIN one here); the nearest-first walk now
--   has its own expression, which only it asks for.

SET LOCAL ROLE redkey_owner;

SELECT similarity('', '');

-- Planning each level estimates the operator's selectivity by running it
-- over the column's statistics: 200 values at the default target, 0.2-0.5
-- ms a statement; 20 still tell a word most records hold from a rare one.
ALTER TABLE contact_search ALTER COLUMN names SET STATISTICS 20;
ALTER TABLE record_search ALTER COLUMN document SET STATISTICS 20;

DROP INDEX record_search_nearest;
-- A leading space changes no trigram: the same distances, on an
-- expression the level queries never name.
CREATE INDEX record_search_nearest ON record_search USING gist ((' ' || document) gist_trgm_ops);

DROP FUNCTION redkey_search_side(text, text, text, uuid, text[], text, integer, boolean);

-- Words one typo apart, found by exact lookups (symmetric deletion): each
-- word of five letters or more in a search document is stored under itself
-- (position 0) and under every spelling with one letter left out (its
-- position); a query word's own such spellings meet those of every word one
-- deletion, insertion, substitution or swap of neighbours away. Trigrams
-- find a typo too, but among many words sharing its start only by
-- rechecking hundreds of candidates ("surnam4242" among 50,000 "surnameN":
-- 900 documents, 5-7 ms), where these lookups take microseconds. Rows are
-- never removed: a word no document holds any more leads to no record.
CREATE TABLE search_near_words (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  variant text NOT NULL,
  pos smallint NOT NULL,
  word text NOT NULL,
  PRIMARY KEY (workspace_id, variant, pos, word)
);
ALTER TABLE search_near_words ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_isolation ON search_near_words TO PUBLIC
  USING (workspace_id = redkey_client_id())
  WITH CHECK (workspace_id = redkey_client_id());

CREATE FUNCTION redkey_word_variants(p_word text) RETURNS TABLE (variant text, pos smallint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT p_word, 0::smallint
  UNION ALL
  SELECT left(p_word, i - 1) || substr(p_word, i + 1), i::smallint
  FROM generate_series(1, length(p_word)) i;
$$;

-- A document's words, as the trigram operators split them.
CREATE FUNCTION redkey_doc_words(p_doc text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT w), '{}')
  FROM regexp_split_to_table(p_doc, '[^[:alnum:]]+') w WHERE w <> '';
$$;

-- The records holding a word exactly, for the words one typo away.
ALTER TABLE contact_search ADD COLUMN words text[]
  GENERATED ALWAYS AS (redkey_doc_words(names)) STORED;
ALTER TABLE record_search ADD COLUMN words text[]
  GENERATED ALWAYS AS (redkey_doc_words(document)) STORED;
CREATE INDEX contact_search_words ON contact_search USING gin (words) WITH (fastupdate = off);
CREATE INDEX record_search_whole_words ON record_search USING gin (words)
  WITH (fastupdate = off);

-- Argument: the column holding the document.
CREATE FUNCTION redkey_add_near_words() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO search_near_words (workspace_id, variant, pos, word)
  SELECT NEW.workspace_id, v.variant, v.pos, w
  FROM unnest(NEW.words) w, redkey_word_variants(w) v
  WHERE length(w) BETWEEN 5 AND 40
    AND NOT EXISTS (SELECT 1 FROM search_near_words k
                    WHERE k.workspace_id = NEW.workspace_id AND k.variant = w AND k.pos = 0
                      AND k.word = w)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER near_words AFTER INSERT ON contact_search
  FOR EACH ROW EXECUTE FUNCTION redkey_add_near_words();
CREATE TRIGGER near_words_changed AFTER UPDATE OF names ON contact_search
  FOR EACH ROW WHEN (OLD.words IS DISTINCT FROM NEW.words)
  EXECUTE FUNCTION redkey_add_near_words();
CREATE TRIGGER near_words AFTER INSERT ON record_search
  FOR EACH ROW EXECUTE FUNCTION redkey_add_near_words();
CREATE TRIGGER near_words_changed AFTER UPDATE OF document ON record_search
  FOR EACH ROW WHEN (OLD.words IS DISTINCT FROM NEW.words)
  EXECUTE FUNCTION redkey_add_near_words();

-- The words of the client's documents one typo from a query's only word:
-- the same spelling with a letter left out of one or both, at the same or
-- neighbouring places (two letters left out far apart are two typos).
CREATE FUNCTION redkey_near_words(p_client uuid, p_words text[]) RETURNS text[]
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(word), '{}') FROM (
    SELECT DISTINCT n.word
    FROM redkey_word_variants(p_words[1]) q
    JOIN search_near_words n ON n.workspace_id = p_client AND n.variant = q.variant
    WHERE cardinality(p_words) = 1 AND length(p_words[1]) BETWEEN 5 AND 40
      AND (q.pos = 0 OR n.pos = 0 OR abs(q.pos - n.pos) <= 1)
      AND n.word <> p_words[1]
    ORDER BY n.word LIMIT 10) n;
$$;

-- A record's score: its weakest word (every word must match).
CREATE FUNCTION redkey_weakest_word(p_words text[], p_doc text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT 'least(' || string_agg(format('word_similarity(%L, %s)', w, p_doc), ', ') || ')'
  FROM unnest(p_words) w;
$$;

-- One side's level query: its ids, best and weakest score, at most 201.
CREATE FUNCTION redkey_search_level_query(p_side text, p_client uuid, p_match text, p_score text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format('SELECT array_agg(%1$I), max(s), min(s) FROM (SELECT %1$I, %5$s AS s '
                'FROM %2$I WHERE workspace_id = %3$L AND %4$s LIMIT 201) m',
                CASE p_side WHEN 'contact' THEN 'person_id' ELSE 'record_id' END,
                CASE p_side WHEN 'contact' THEN 'contact_search' ELSE 'record_search' END,
                p_client, p_match, p_score);
$$;

-- The ids in one side table ('contact' or 'record') matching every word at
-- the highest level where any does: whole words (1.0); then, for one word,
-- the records holding a word one typo from it, whole; then 0.6 and 0.5.
-- When more than 200 match, the table is asked again just above the best
-- score among those seen, until at most 200 are left or none is better
-- ("surnam24" among 300 "surnameN": all at 0.6, "surname24" above).
-- Records still tied at the top are taken nearest to the query as a whole
-- (cheap on short names: "Harbor" before "Harbor works 12"), contacts
-- `p_limit` of them. Each statement is planned with the query's words:
-- where nearly every record matches, the plan is a scan that stops at 201
-- (a generic plan built a bitmap of all 50,000 contacts for "company":
-- 11 ms, and sorted every match instead of walking the nearest). Table and
-- column names are literals of these functions, never input.
CREATE FUNCTION redkey_search_side(p_side text, p_client uuid, p_words text[], p_whole text,
                                   p_limit integer)
RETURNS uuid[]
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
  doc text := CASE p_side WHEN 'contact' THEN 'names' ELSE 'document' END;
  match text := redkey_like_every(p_words, doc);
  level_query text := redkey_search_level_query(p_side, p_client, match,
                                                redkey_weakest_word(p_words, doc));
  near text[];
  level real;
  found uuid[];
  best real;
  worst real;
  closer uuid[];
  closer_best real;
  closer_worst real;
BEGIN
  FOREACH level IN ARRAY ARRAY[1.0, 0.6, 0.5]::real[] LOOP
    IF level < 1.0 AND near IS NULL THEN
      near := redkey_near_words(p_client, p_words);
      IF cardinality(near) > 0 THEN
        PERFORM set_config('pg_trgm.word_similarity_threshold', '1', true);
        EXECUTE redkey_search_level_query(p_side, p_client, format('words && %L', near), '1')
        INTO found, best, worst;
        IF found IS NOT NULL THEN
          match := format('words && %L', near);
          level := 1.0;
          EXIT;
        END IF;
      END IF;
    END IF;
    PERFORM set_config('pg_trgm.word_similarity_threshold', level::text, true);
    EXECUTE level_query INTO found, best, worst;
    EXIT WHEN found IS NOT NULL;
  END LOOP;
  WHILE cardinality(found) > 200 LOOP
    closer := NULL;
    IF best < 1.0 THEN
      PERFORM set_config('pg_trgm.word_similarity_threshold', (best + 0.001)::text, true);
      EXECUTE level_query INTO closer, closer_best, closer_worst;
    END IF;
    IF closer IS NULL THEN
      -- None better than the best seen: the answer is the matches at that
      -- score, which the sample already is when all of it scored the same.
      IF worst < best THEN
        level := best;
        PERFORM set_config('pg_trgm.word_similarity_threshold', level::text, true);
        EXECUTE level_query INTO found, best, worst;
      END IF;
      EXIT;
    END IF;
    level := best + 0.001;
    found := closer;
    best := closer_best;
    worst := closer_worst;
  END LOOP;
  PERFORM set_config('pg_trgm.word_similarity_threshold', level::text, true);
  IF found IS NULL THEN
    RETURN '{}';
  ELSIF cardinality(found) <= 200 THEN
    RETURN found;
  ELSIF p_side = 'contact' THEN
    -- As many as are shown: 200 equal matches would all be ranked (4 ms)
    -- for an order no better than the scan's.
    RETURN found[1:p_limit];
  END IF;
  EXECUTE format('SELECT array_agg(record_id) FROM (SELECT record_id FROM record_search '
                 'WHERE workspace_id = %1$L AND %2$s ORDER BY ('' '' || document) <-> %3$L '
                 'LIMIT %4$s) m',
                 p_client, match, p_whole, p_limit)
  INTO found;
  RETURN coalesce(found, '{}');
END
$$;
REVOKE ALL ON FUNCTION redkey_search_side(text, uuid, text[], text, integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION crm_search_everything(p_query text, p_limit integer)
RETURNS TABLE (kind text, id uuid, label text, detail text, score real)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  SET pg_trgm.word_similarity_threshold = 0.5 AS $$
DECLARE
  client uuid := redkey_client_id();
  words text[] := array_remove(regexp_split_to_array(lower(btrim(p_query)), '\s+'), '');
  lim integer := greatest(1, least(p_limit, 50));
  whole text;
  people_ids uuid[];
  record_ids uuid[];
BEGIN
  IF client IS NULL OR cardinality(words) = 0 THEN
    RETURN;
  END IF;
  words := words[1:8];
  whole := array_to_string(words, ' ');
  people_ids := redkey_search_side('contact', client, words, whole, lim);
  record_ids := redkey_search_side('record', client, words, whole, lim);
  RETURN QUERY
  SELECT h.kind, h.id, h.label::text, h.detail::text, h.score FROM (
    SELECT 'contact'::text AS kind, p.id,
           btrim(p.name_first_name || ' ' || p.name_last_name) AS label,
           coalesce(p.emails_primary_email, '') AS detail,
           (1 - (s.names <->> whole))::real AS score,
           similarity(s.names, whole) AS closeness
    FROM contact_search s JOIN people p ON p.id = s.person_id
    WHERE s.person_id = ANY (people_ids) AND p.workspace_id = client AND p.deleted_at IS NULL
    UNION ALL
    SELECT r.kind, r.record_id,
           coalesce(c.name, o.name, n.title, t.title, ''),
           CASE r.kind WHEN 'company' THEN coalesce(c.domain_name_primary_link_url, '')
                       WHEN 'deal' THEN coalesce(st.name, '')
                       WHEN 'note' THEN coalesce(left(n.body_v2_markdown, 120), '')
                       ELSE coalesce(t.status::text, '') END,
           (1 - (r.document <->> whole))::real,
           similarity(r.document, whole)
    FROM record_search r
    LEFT JOIN companies c ON r.kind = 'company' AND c.id = r.record_id
    LEFT JOIN opportunities o ON r.kind = 'deal' AND o.id = r.record_id
    LEFT JOIN pipeline_stages st ON st.workspace_id = o.workspace_id AND st.id = o.stage_id
    LEFT JOIN notes n ON r.kind = 'note' AND n.id = r.record_id
    LEFT JOIN todos t ON r.kind = 'todo' AND t.id = r.record_id
    WHERE r.record_id = ANY (record_ids) AND r.workspace_id = client
      AND coalesce(c.deleted_at, o.deleted_at, n.deleted_at, t.deleted_at) IS NULL
      AND (c.id IS NOT NULL OR o.id IS NOT NULL OR n.id IS NOT NULL OR t.id IS NOT NULL)
  ) h
  ORDER BY h.score DESC, h.closeness DESC, h.kind, h.label, h.id
  LIMIT lim;
END
$$;

RESET ROLE;

-- Every word already in a search document (as the migrating superuser).
INSERT INTO search_near_words (workspace_id, variant, pos, word)
SELECT DISTINCT d.workspace_id, v.variant, v.pos, w
FROM (SELECT workspace_id, words FROM contact_search
      UNION ALL SELECT workspace_id, words FROM record_search) d,
     unnest(d.words) w, redkey_word_variants(w) v
WHERE length(w) BETWEEN 5 AND 40;

ANALYZE search_near_words;
ANALYZE contact_search;
ANALYZE record_search;
