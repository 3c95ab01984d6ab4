-- Search everywhere asks each side table for its best matches first
-- (BENCHMARKS.md, session 12).
--
-- - The levels used to rise from 0.5 until at most 200 records matched, so
--   a typo of one name ("surnam4242") first matched every record sharing
--   its start. Now they fall from whole words (1.0) to 0.5 and the first
--   level where anything matches is the answer: a record matching every
--   word whole is never crowded out by near-misses, which are shown only
--   when nothing closer exists, and a high level is a narrow bitmap.
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

-- The ids in one side table matching every word at the highest level where
-- any does. When more than 200 match there, the table is asked again just
-- above the best score among those seen, until at most 200 are left or
-- none is better ("surnam242" among 300 "surnameN": all at 0.6, the one
-- meant at 0.62). Still tied at the top: with `p_nearest` (names of
-- records), the `p_limit` nearest to the query as a whole (cheap on short
-- names: "Harbor" before "Harbor works 12"), otherwise `p_limit` of them. A
-- record's score is its weakest word (every word must match). Each
-- statement is planned with the query's words: where nearly every record
-- matches, the plan is a scan that stops at 201 (a generic plan built a
-- bitmap of all 50,000 contacts for "company": 11 ms, and sorted every
-- match instead of walking the nearest). The table and columns are
-- crm_search_everything's literals, never input; the same signature as
-- before, so its caller stays as it is.
CREATE OR REPLACE FUNCTION redkey_search_side(p_table text, p_id text, p_doc text, p_client uuid,
                                              p_words text[], p_whole text, p_limit integer,
                                              p_nearest boolean)
RETURNS uuid[]
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
  every_word text := redkey_like_every(p_words, p_doc);
  score text := (SELECT 'least(' || string_agg(format('word_similarity(%L, %I)', w, p_doc), ', ')
                        || ')' FROM unnest(p_words) w);
  level_query text := format('SELECT array_agg(%1$I), max(s), min(s) FROM (SELECT %1$I, %5$s AS s '
                             'FROM %2$I WHERE workspace_id = %3$L AND %4$s LIMIT 201) m',
                             p_id, p_table, p_client, every_word, score);
  level real;
  found uuid[];
  best real;
  worst real;
  closer uuid[];
  closer_best real;
  closer_worst real;
BEGIN
  FOREACH level IN ARRAY ARRAY[1.0, 0.6, 0.5]::real[] LOOP
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
  IF found IS NULL THEN
    RETURN '{}';
  ELSIF cardinality(found) <= 200 THEN
    RETURN found;
  ELSIF NOT p_nearest THEN
    -- As many as are shown: 200 equal matches would all be ranked (4 ms)
    -- for an order no better than the scan's.
    RETURN found[1:p_limit];
  END IF;
  PERFORM set_config('pg_trgm.word_similarity_threshold', level::text, true);
  EXECUTE format('SELECT array_agg(%1$I) FROM (SELECT %1$I FROM %2$I '
                 'WHERE workspace_id = %3$L AND %4$s ORDER BY ('' '' || %6$I) <-> %5$L '
                 'LIMIT %7$s) m',
                 p_id, p_table, p_client, every_word, p_whole, p_doc, p_limit)
  INTO found;
  RETURN coalesce(found, '{}');
END
$$;

RESET ROLE;

ANALYZE contact_search;
ANALYZE record_search;
