-- Search everywhere's contacts side checked every candidate the trigram
-- index handed over against the contact's whole names (first and last
-- name and email, 45 characters on average). A typo of one surname among
-- 50,000 sharing its start ("surnam4242") handed over about 900, and those
-- checks were most of the search's time (BENCHMARKS.md, session 33). The
-- words of the names now have a side table of their own: the same index
-- over a short word makes each check several times cheaper, and the few
-- contacts holding a matching word are then checked whole, as before.
--
-- At each level a contact with a word matching the longest search word is
-- found first; only when none is does the level read the whole names,
-- which also match across words ("johnsmith" finds John Smith). So a
-- level where some contact's word matches leaves out the contacts that
-- match at that level only across words; a closer level still finds them
-- first. A term whose words most contacts hold (the planner's estimate,
-- from the words' statistics) skips the words: the scan that stops at 201
-- is cheaper.
--
-- The words are kept by statement triggers on the side table itself, so
-- the Twenty adapter's copy (in its own schema) is kept by the same
-- function; a contact's words go with its row (erasure, the trash).

SET LOCAL ROLE redkey_owner;

SELECT similarity('', '');

CREATE TABLE contact_search_words (
  person_id uuid NOT NULL REFERENCES contact_search (person_id) ON DELETE CASCADE,
  workspace_id uuid NOT NULL,
  word text NOT NULL,
  PRIMARY KEY (person_id, word)
);
-- As contact_search: enabled, not forced; only the owner reads it, with
-- an explicit client filter.
ALTER TABLE contact_search_words ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_isolation ON contact_search_words TO PUBLIC
  USING (workspace_id = redkey_client_id()) WITH CHECK (workspace_id = redkey_client_id());
CREATE INDEX contact_search_words_trgm ON contact_search_words USING gin (word gin_trgm_ops)
  WITH (fastupdate = off);
ALTER TABLE contact_search_words ALTER COLUMN word SET STATISTICS 20;

-- The words of a text as pg_trgm splits them (letters and digits).
CREATE FUNCTION redkey_trigram_words(p_text text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT w FROM regexp_split_to_table(p_text, '[^[:alnum:]]+') w WHERE w <> '';
$$;

-- Statement triggers on a contact_search table (public's or an adapter's):
-- the words of the rows a statement added, or whose names it changed, in
-- the words table beside it.
CREATE FUNCTION redkey_index_contact_words() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  words text := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_words');
BEGIN
  IF TG_OP = 'UPDATE' THEN
    EXECUTE format('DELETE FROM %s w USING old_rows o JOIN new_rows n USING (person_id) '
                   'WHERE w.person_id = o.person_id '
                   'AND (o.workspace_id, o.names) IS DISTINCT FROM (n.workspace_id, n.names)', words);
    EXECUTE format('INSERT INTO %s (person_id, workspace_id, word) '
                   'SELECT n.person_id, n.workspace_id, redkey_trigram_words(n.names) '
                   'FROM new_rows n JOIN old_rows o USING (person_id) '
                   'WHERE (o.workspace_id, o.names) IS DISTINCT FROM (n.workspace_id, n.names)', words);
  ELSE
    EXECUTE format('INSERT INTO %s (person_id, workspace_id, word) '
                   'SELECT n.person_id, n.workspace_id, redkey_trigram_words(n.names) '
                   'FROM new_rows n', words);
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_index_contact_words() FROM PUBLIC;

CREATE TRIGGER contact_search_words_added AFTER INSERT ON contact_search
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION redkey_index_contact_words();
CREATE TRIGGER contact_search_words_changed AFTER UPDATE ON contact_search
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION redkey_index_contact_words();

-- As migration 0043's, with the words step. The words table is the one
-- beside `p_table` as the caller's search path finds it; a side table
-- without one (record_search, or an adapter not yet upgraded) is searched
-- as before.
CREATE OR REPLACE FUNCTION redkey_search_side(p_table text, p_id text, p_doc text, p_client uuid,
                                              p_words text[], p_whole text, p_limit integer,
                                              p_nearest boolean)
RETURNS uuid[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  every_word text := redkey_like_every(p_words, p_doc);
  score text := (SELECT 'least(' || string_agg(format('word_similarity(%L, %I)', w, p_doc), ', ')
                        || ')' FROM unnest(p_words) w);
  matching text := format('SELECT array_agg(%1$I), max(s), min(s) FROM (SELECT %1$I, %5$s AS s '
                          'FROM %2$I WHERE workspace_id = %3$L AND %4$s',
                          p_id, p_table, p_client, every_word, score);
  whole_query text := matching || ' LIMIT 201) m';
  -- Named with its schema: redkey_expected_rows reads by a path of its own.
  word_table text := (SELECT format('%I.%I', n.nspname, w.relname)
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      JOIN pg_class w ON w.relnamespace = c.relnamespace
                                     AND w.relname = c.relname || '_words' AND w.relkind = 'r'
                      WHERE c.oid = to_regclass(quote_ident(p_table)));
  -- The longest search word that is one trigram word: a word of the
  -- names must match it (a word with a dot or a dash spans two).
  key_word text := (SELECT w FROM unnest(p_words) w WHERE w ~ '^[[:alnum:]]+$'
                    ORDER BY length(w) DESC LIMIT 1);
  word_query text;
  holders uuid[];
  level_query text;
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
    level_query := whole_query;
    found := NULL;
    IF word_table IS NOT NULL AND key_word IS NOT NULL THEN
      word_query := format('SELECT %I FROM %s WHERE workspace_id = %L AND %L <%% word',
                           p_id, word_table, p_client, key_word);
      IF redkey_expected_rows(word_query) <= 5000 THEN
        EXECUTE format('SELECT array_agg(DISTINCT %I) FROM (%s LIMIT 1001) h', p_id, word_query)
        INTO holders;
        IF cardinality(holders) <= 1000 THEN
          level_query := matching || format(' AND %I = ANY (%L::uuid[]) LIMIT 201) m', p_id, holders);
          EXECUTE level_query INTO found, best, worst;
        END IF;
      END IF;
    END IF;
    IF found IS NULL THEN
      level_query := whole_query;
      EXECUTE level_query INTO found, best, worst;
    END IF;
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

-- Every contact's words (as the migrating superuser, as in 0042).
INSERT INTO contact_search_words (person_id, workspace_id, word)
SELECT person_id, workspace_id, redkey_trigram_words(names) FROM contact_search;

ANALYZE contact_search_words;
