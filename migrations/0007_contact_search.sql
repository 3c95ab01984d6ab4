-- Contact search that stays fast under row-level security. ILIKE and the
-- trigram operators are not leakproof, so behind forced RLS the planner
-- must not evaluate them before the policy and cannot use a trigram index
-- on people. The search document therefore lives in a side table that only
-- the owner reads, through crm_search_contacts, which filters by the
-- current client explicitly.

SET LOCAL ROLE redkey_owner;

CREATE TABLE contact_search (
  person_id uuid PRIMARY KEY REFERENCES people (id),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  document text NOT NULL
);
-- Enabled, not forced: the owner reads it (with the explicit filter below);
-- no serving role has any privilege on it.
ALTER TABLE contact_search ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_isolation ON contact_search TO PUBLIC
  USING (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)
  WITH CHECK (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid);
CREATE INDEX contact_search_trgm ON contact_search USING gin (document gin_trgm_ops);

CREATE FUNCTION redkey_contact_document(p people) RETURNS text
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT lower(concat_ws(' ', p.name_first_name, p.name_last_name, p.emails_primary_email,
                         (SELECT c.name FROM companies c WHERE c.id = p.company_id)));
$$;

CREATE FUNCTION redkey_index_contact() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.deleted_at IS NOT NULL THEN
    DELETE FROM contact_search WHERE person_id = NEW.id;
  ELSE
    INSERT INTO contact_search (person_id, workspace_id, document)
    VALUES (NEW.id, NEW.workspace_id, redkey_contact_document(NEW))
    ON CONFLICT (person_id) DO UPDATE SET document = excluded.document;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER search_index AFTER INSERT OR UPDATE ON people
  FOR EACH ROW EXECUTE FUNCTION redkey_index_contact();

CREATE FUNCTION redkey_index_company_people() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE contact_search s SET document = redkey_contact_document(p)
  FROM people p WHERE p.company_id = NEW.id AND s.person_id = p.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER search_index AFTER UPDATE OF name ON companies
  FOR EACH ROW EXECUTE FUNCTION redkey_index_company_people();

-- Ids of the current client's live contacts whose name, email or company
-- contains the query (case-insensitive). Dynamic SQL so each call is planned
-- with its own pattern: a generic plan cannot use the trigram index.
CREATE FUNCTION crm_search_contacts(p_query text) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := NULLIF(current_setting('redkey.client_id', true), '')::uuid;
  pattern text := '%' || replace(replace(replace(lower(btrim(p_query)), '\', '\\'), '%', '\%'), '_', '\_') || '%';
BEGIN
  IF client IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT person_id FROM contact_search WHERE workspace_id = %L AND document LIKE %L',
    client, pattern);
END
$$;

REVOKE ALL ON FUNCTION redkey_contact_document(people) FROM PUBLIC;
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_search_contacts(text)', 'redkey_human'),
  ('crm_search_contacts(text)', 'redkey_agent');
SELECT redkey_apply_grants();
