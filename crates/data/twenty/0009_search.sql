-- Search everywhere and arlo's record resolver for an attached client
-- (found before public's by the search path), with the main functions'
-- contracts. As for RedKey's own tables, the names are kept in side
-- tables of the adapter's (contact names; company and deal names, note
-- and to-do titles), by a trigger on each of Twenty's tables that changes
-- no Twenty column and is made and dropped with the adapter's views, so
-- rows Twenty's app writes are found too. The trigram steps are the main
-- set's (redkey_search_side), reading these side tables by the path the
-- search function pins.

SET LOCAL ROLE redkey_owner;

SELECT similarity('', '');

CREATE TABLE redkey_twenty.contact_search (
  person_id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  names text NOT NULL
);
CREATE TABLE redkey_twenty.record_search (
  record_id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  kind text NOT NULL CHECK (kind IN ('company', 'deal', 'note', 'todo')),
  document text NOT NULL
);
ALTER TABLE redkey_twenty.contact_search ENABLE ROW LEVEL SECURITY;
ALTER TABLE redkey_twenty.record_search ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_isolation ON redkey_twenty.contact_search TO PUBLIC
  USING (workspace_id = redkey_client_id()) WITH CHECK (workspace_id = redkey_client_id());
CREATE POLICY client_isolation ON redkey_twenty.record_search TO PUBLIC
  USING (workspace_id = redkey_client_id()) WITH CHECK (workspace_id = redkey_client_id());
CREATE INDEX contact_search_names ON redkey_twenty.contact_search
  USING gin (names gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX record_search_words ON redkey_twenty.record_search
  USING gin (document gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX record_search_nearest ON redkey_twenty.record_search
  USING gist ((' ' || document) gist_trgm_ops);
ALTER TABLE redkey_twenty.contact_search ALTER COLUMN names SET STATISTICS 20;
ALTER TABLE redkey_twenty.record_search ALTER COLUMN document SET STATISTICS 20;

-- A Twenty row's searchable text, read through jsonb so one function
-- serves every workspace and a renamed column reads as empty.
CREATE FUNCTION redkey_twenty.search_text(p_kind text, p_row jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT lower(CASE p_kind
    WHEN 'contact' THEN concat_ws(' ', NULLIF(p_row ->> 'nameFirstName', ''),
                                  NULLIF(p_row ->> 'nameLastName', ''),
                                  NULLIF(p_row ->> 'emailsPrimaryEmail', ''))
    WHEN 'company' THEN coalesce(p_row ->> 'name', '')
    WHEN 'deal' THEN coalesce(p_row ->> 'name', '')
    ELSE coalesce(p_row ->> 'title', '') END);
$$;

-- The trigger: arguments are the client and the kind. A live row has its
-- text; a soft-deleted or deleted one has none.
CREATE FUNCTION redkey_twenty.index_search() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := TG_ARGV[0]::uuid;
  kind text := TG_ARGV[1];
  o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  doc text;
BEGIN
  IF TG_OP = 'UPDATE' AND (o ->> 'deletedAt') IS NOT DISTINCT FROM (n ->> 'deletedAt')
     AND redkey_twenty.search_text(kind, o) = redkey_twenty.search_text(kind, n) THEN
    RETURN NULL;
  END IF;
  IF n IS NULL OR n ->> 'deletedAt' IS NOT NULL THEN
    IF kind = 'contact' THEN
      DELETE FROM redkey_twenty.contact_search WHERE person_id = (coalesce(n, o) ->> 'id')::uuid;
    ELSE
      DELETE FROM redkey_twenty.record_search WHERE record_id = (coalesce(n, o) ->> 'id')::uuid;
    END IF;
    RETURN NULL;
  END IF;
  doc := redkey_twenty.search_text(kind, n);
  IF kind = 'contact' THEN
    INSERT INTO redkey_twenty.contact_search (person_id, workspace_id, names)
    VALUES ((n ->> 'id')::uuid, client, doc)
    ON CONFLICT (person_id) DO UPDATE SET names = excluded.names;
  ELSE
    INSERT INTO redkey_twenty.record_search (record_id, workspace_id, kind, document)
    VALUES ((n ->> 'id')::uuid, client, kind, doc)
    ON CONFLICT (record_id) DO UPDATE SET document = excluded.document;
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.index_search() FROM PUBLIC;

-- Rebuilds one attached client's side rows from Twenty's (at attach and
-- after an upgrade, when the triggers were away).
CREATE FUNCTION redkey_twenty.reindex_search(p_client uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ws text;
  t record;
BEGIN
  SELECT workspace_schema INTO STRICT ws FROM redkey_twenty.attachments WHERE workspace_id = p_client;
  DELETE FROM redkey_twenty.contact_search WHERE workspace_id = p_client;
  DELETE FROM redkey_twenty.record_search WHERE workspace_id = p_client;
  EXECUTE format(
    'INSERT INTO redkey_twenty.contact_search (person_id, workspace_id, names)
     SELECT (j ->> ''id'')::uuid, $1, redkey_twenty.search_text(''contact'', j)
     FROM (SELECT to_jsonb(r) j FROM %I.person r) s WHERE j ->> ''deletedAt'' IS NULL', ws)
  USING p_client;
  FOR t IN SELECT * FROM (VALUES ('company', 'company'), ('opportunity', 'deal'),
                                 ('note', 'note'), ('task', 'todo')) v(tbl, kind) LOOP
    EXECUTE format(
      'INSERT INTO redkey_twenty.record_search (record_id, workspace_id, kind, document)
       SELECT (j ->> ''id'')::uuid, $1, $2, redkey_twenty.search_text($2, j)
       FROM (SELECT to_jsonb(r) j FROM %I.%I r) s WHERE j ->> ''deletedAt'' IS NULL', ws, t.tbl)
    USING p_client, t.kind;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.reindex_search(uuid) FROM PUBLIC;

CREATE FUNCTION redkey_twenty.crm_search_everything(p_query text, p_limit integer)
RETURNS TABLE (kind text, id uuid, label text, detail text, score real)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = redkey_twenty, public, pg_temp
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
    SELECT 'contact'::text AS kind, c.id, btrim(c.first_name || ' ' || c.last_name) AS label,
           coalesce(c.email, '') AS detail, (1 - (s.names <->> whole))::real AS score,
           similarity(s.names, whole) AS closeness
    FROM redkey_twenty.contact_search s JOIN redkey_twenty.crm_contacts c ON c.id = s.person_id
    WHERE s.person_id = ANY (people_ids) AND s.workspace_id = client
    UNION ALL
    SELECT r.kind, r.record_id, coalesce(co.name, d.name, n.title, t.title, ''),
           CASE r.kind WHEN 'company' THEN coalesce(co.domain, '')
                       WHEN 'deal' THEN coalesce(st.name, '')
                       WHEN 'note' THEN coalesce(left(n.body_markdown, 120), '')
                       ELSE coalesce(t.status, '') END,
           (1 - (r.document <->> whole))::real,
           similarity(r.document, whole)
    FROM redkey_twenty.record_search r
    LEFT JOIN redkey_twenty.crm_companies co ON r.kind = 'company' AND co.id = r.record_id
    LEFT JOIN redkey_twenty.crm_deals d ON r.kind = 'deal' AND d.id = r.record_id
    LEFT JOIN pipeline_stages st ON st.workspace_id = client AND st.id = d.stage_id
    LEFT JOIN redkey_twenty.crm_notes n ON r.kind = 'note' AND n.id = r.record_id
    LEFT JOIN redkey_twenty.crm_todos t ON r.kind = 'todo' AND t.id = r.record_id
    WHERE r.record_id = ANY (record_ids) AND r.workspace_id = client
      AND (co.id IS NOT NULL OR d.id IS NOT NULL OR n.id IS NOT NULL OR t.id IS NOT NULL)
  ) h
  ORDER BY h.score DESC, h.closeness DESC, h.kind, h.label, h.id
  LIMIT lim;
END
$$;

-- Arlo's name resolver: contacts (with their company's name), companies,
-- deals (with their company's name) and stages, every word matching.
CREATE FUNCTION redkey_twenty.crm_search_records(p_query text, p_limit integer)
RETURNS TABLE (kind text, id uuid, label text, detail text, score real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = redkey_twenty, public, pg_temp
  SET pg_trgm.word_similarity_threshold = 0.5 AS $$
DECLARE
  client uuid := redkey_client_id();
  words text[] := array_remove(regexp_split_to_array(lower(btrim(p_query)), '\s+'), '');
BEGIN
  IF client IS NULL OR cardinality(words) = 0 THEN
    RETURN;
  END IF;
  words := words[1:8];
  RETURN QUERY
  WITH docs AS (
    SELECT 'contact'::text AS kind, c.id, btrim(c.first_name || ' ' || c.last_name) AS label,
           coalesce(co.name, c.email, '') AS detail,
           lower(concat_ws(' ', c.first_name, c.last_name, c.email, co.name)) AS doc
    FROM redkey_twenty.crm_contacts c
    LEFT JOIN redkey_twenty.crm_companies co ON co.id = c.company_id
    UNION ALL
    SELECT 'company', co.id, co.name, coalesce(co.domain, ''), lower(co.name)
    FROM redkey_twenty.crm_companies co
    UNION ALL
    SELECT 'deal', d.id, d.name, coalesce(st.name, ''), lower(d.name || ' ' || coalesce(co.name, ''))
    FROM redkey_twenty.crm_deals d
    LEFT JOIN pipeline_stages st ON st.workspace_id = client AND st.id = d.stage_id
    LEFT JOIN redkey_twenty.crm_companies co ON co.id = d.company_id
    UNION ALL
    SELECT 'stage', s.id, s.name, p.name, lower(s.name)
    FROM pipeline_stages s
    JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id
    WHERE s.workspace_id = client AND s.archived_at IS NULL AND p.deleted_at IS NULL
  )
  SELECT h.kind, h.id, h.label::text, h.detail::text, h.score FROM (
    SELECT d.kind, d.id, d.label, d.detail,
           (SELECT avg(word_similarity(w, d.doc)) FROM unnest(words) w)::real AS score
    FROM docs d
    WHERE (SELECT bool_and(w <% d.doc) FROM unnest(words) w)
  ) h
  ORDER BY h.score DESC, h.kind, h.label, h.id
  LIMIT greatest(1, least(p_limit, 100));
END
$$;

REVOKE ALL ON FUNCTION redkey_twenty.crm_search_everything(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_twenty.crm_search_records(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_search_everything(text, integer)
  TO redkey_human, redkey_agent;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_search_records(text, integer)
  TO redkey_human, redkey_agent;

RESET ROLE;
