-- Search everywhere from side tables. The names of companies and deals
-- and the titles of notes and to-dos join the contacts' documents in a
-- side table (`record_search`, kept by triggers; row security enabled,
-- not forced, read only by the owner with an explicit client filter,
-- like `contact_search`), because behind the forced policies of their own
-- tables no trigram index could serve a search (BENCHMARKS.md).
--
-- Each side table is searched by raising the similarity a match needs
-- until a short list is left, which is ranked whole (redkey_search_side).
-- Contacts are found here by name and email (`contact_search.names`): a
-- company's name finds the company itself, and a short document keeps
-- each comparison cheap. Their `document` (with the company's name)
-- still serves the contacts table's search.

SET LOCAL ROLE redkey_owner;

SELECT similarity('', '');

ALTER TABLE contact_search ADD COLUMN names text NOT NULL DEFAULT '';
-- Searches never read a GIN pending list (fastupdate): entries go into
-- the index as they are written, so a search costs the same before and
-- after a burst of writes (an import), not only after a vacuum.
CREATE INDEX contact_search_names ON contact_search USING gin (names gin_trgm_ops)
  WITH (fastupdate = off);
ALTER INDEX contact_search_trgm SET (fastupdate = off);
-- The nearest-first walk on the long documents visited most of the index
-- (BENCHMARKS.md); nothing reads it now.
DROP INDEX contact_search_nearest;

CREATE FUNCTION redkey_contact_names(p people) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT lower(concat_ws(' ', p.name_first_name, p.name_last_name, p.emails_primary_email));
$$;

CREATE OR REPLACE FUNCTION redkey_index_contact() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.deleted_at IS NOT NULL THEN
    DELETE FROM contact_search WHERE person_id = NEW.id;
  ELSE
    INSERT INTO contact_search (person_id, workspace_id, document, names)
    VALUES (NEW.id, NEW.workspace_id, redkey_contact_document(NEW), redkey_contact_names(NEW))
    ON CONFLICT (person_id) DO UPDATE SET document = excluded.document, names = excluded.names;
  END IF;
  RETURN NULL;
END
$$;

CREATE TABLE record_search (
  record_id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  kind text NOT NULL CHECK (kind IN ('company', 'deal', 'note', 'todo')),
  document text NOT NULL
);
ALTER TABLE record_search ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_isolation ON record_search TO PUBLIC
  USING (workspace_id = redkey_client_id())
  WITH CHECK (workspace_id = redkey_client_id());
CREATE INDEX record_search_words ON record_search USING gin (document gin_trgm_ops)
  WITH (fastupdate = off);
CREATE INDEX record_search_nearest ON record_search USING gist (document gist_trgm_ops);

-- Arguments: the kind, then the column holding the record's name. A live
-- record has its document; an archived or deleted one has none.
CREATE FUNCTION redkey_index_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM record_search WHERE record_id = OLD.id;
  ELSIF NEW.deleted_at IS NOT NULL THEN
    DELETE FROM record_search WHERE record_id = NEW.id;
  ELSE
    INSERT INTO record_search (record_id, workspace_id, kind, document)
    VALUES (NEW.id, NEW.workspace_id, TG_ARGV[0], lower(coalesce(to_jsonb(NEW) ->> TG_ARGV[1], '')))
    ON CONFLICT (record_id) DO UPDATE SET document = excluded.document
    WHERE record_search.document IS DISTINCT FROM excluded.document;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER record_search AFTER INSERT OR UPDATE OF name, deleted_at OR DELETE ON companies
  FOR EACH ROW EXECUTE FUNCTION redkey_index_record('company', 'name');
CREATE TRIGGER record_search AFTER INSERT OR UPDATE OF name, deleted_at OR DELETE ON opportunities
  FOR EACH ROW EXECUTE FUNCTION redkey_index_record('deal', 'name');
CREATE TRIGGER record_search AFTER INSERT OR UPDATE OF title, deleted_at OR DELETE ON notes
  FOR EACH ROW EXECUTE FUNCTION redkey_index_record('note', 'title');
CREATE TRIGGER record_search AFTER INSERT OR UPDATE OF title, deleted_at OR DELETE ON todos
  FOR EACH ROW EXECUTE FUNCTION redkey_index_record('todo', 'title');

-- The ids in one side table matching every word, best first, found by
-- raising the similarity a match needs until at most 200 records match:
-- each step is one bounded query (an index when few match, a scan that
-- stops at 201 when most do), the next level is chosen above the weakest
-- of the records just found, and the short list is ranked whole. A typo
-- of one record's name ("surnam4242") stands out at a higher level than
-- the many records sharing its start. When even whole words match more
-- than 200, `p_nearest` takes the `p_limit` closest to the query as a
-- whole from the GiST index (cheap on short names: "Harbor" before
-- "Harbor works 12"); otherwise 200 of those equal matches stand for
-- them. The table and column are this migration's literals, never input.
CREATE FUNCTION redkey_search_side(p_table text, p_id text, p_doc text, p_client uuid,
                                   p_words text[], p_whole text, p_limit integer,
                                   p_nearest boolean)
RETURNS uuid[]
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
  levels constant real[] := ARRAY[0.5, 0.6, 0.75, 1.0];
  level real;
  lowest real;
  found uuid[];
  many uuid[] := '{}';
  -- A record's score: its weakest word (every word must match).
  score text := (SELECT 'least(' || string_agg(format('word_similarity(%L, %I)', w, p_doc), ', ') || ')'
                 FROM unnest(p_words) w);
BEGIN
  level := levels[1];
  LOOP
    PERFORM set_config('pg_trgm.word_similarity_threshold', level::text, true);
    EXECUTE format('SELECT array_agg(%1$I), min(s) FROM (SELECT %1$I, %5$s AS s FROM %2$I '
                   'WHERE workspace_id = %3$L AND %4$s LIMIT 201) m',
                   p_id, p_table, p_client, redkey_like_every(p_words, p_doc), score)
    INTO found, lowest;
    found := coalesce(found, '{}');
    IF cardinality(found) = 0 THEN
      RETURN many[1:200];
    ELSIF cardinality(found) <= 200 THEN
      RETURN found;
    END IF;
    many := found;
    -- Every level up to the weakest of these 201 would find them again:
    -- the next worth asking is above it.
    level := (SELECT min(l) FROM unnest(levels) l WHERE l > lowest);
    EXIT WHEN level IS NULL;
  END LOOP;
  IF NOT p_nearest THEN
    RETURN many[1:200];
  END IF;
  EXECUTE format('SELECT array_agg(%1$I) FROM (SELECT %1$I FROM %2$I '
                 'WHERE workspace_id = %3$L AND %4$s ORDER BY %6$I <-> %5$L LIMIT %7$s) m',
                 p_id, p_table, p_client, redkey_like_every(p_words, p_doc), p_whole, p_doc, p_limit)
  INTO found;
  RETURN coalesce(found, '{}');
END
$$;
REVOKE ALL ON FUNCTION redkey_search_side(text, text, text, uuid, text[], text, integer, boolean)
  FROM PUBLIC;

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
  people_ids := redkey_search_side('contact_search', 'person_id', 'names', client, words, whole,
                                   lim, false);
  record_ids := redkey_search_side('record_search', 'record_id', 'document', client, words, whole,
                                   lim, true);
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

-- Every live record's document, and every contact's names (as the
-- migrating superuser: the owner's own view of these tables is bound by
-- their forced policies).
UPDATE contact_search s SET names = redkey_contact_names(p) FROM people p WHERE p.id = s.person_id;

INSERT INTO record_search (record_id, workspace_id, kind, document)
SELECT id, workspace_id, 'company', lower(name) FROM companies WHERE deleted_at IS NULL
UNION ALL
SELECT id, workspace_id, 'deal', lower(coalesce(name, '')) FROM opportunities WHERE deleted_at IS NULL
UNION ALL
SELECT id, workspace_id, 'note', lower(coalesce(title, '')) FROM notes WHERE deleted_at IS NULL
UNION ALL
SELECT id, workspace_id, 'todo', lower(coalesce(title, '')) FROM todos WHERE deleted_at IS NULL;

SELECT gin_clean_pending_list('contact_search_trgm');
SELECT redkey_apply_grants();
