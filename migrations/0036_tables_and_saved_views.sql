-- The tables: each order of the deals table gets its index (the
-- expressions its ORDER BY becomes), and saved views: a person names the
-- filters and order of a table (as its query string) and keeps it to themself or shares it with the client,
-- like Twenty's views. Who sees which view, and that only its author may
-- replace or delete one, is decided here: the view shows a person their
-- own and the shared ones, and the two functions write only the author's.

SET LOCAL ROLE redkey_owner;

CREATE INDEX opportunities_name_order ON opportunities (workspace_id, name, id)
  WHERE deleted_at IS NULL;
CREATE INDEX opportunities_amount_order
  ON opportunities (workspace_id, coalesce(amount_amount_micros, -1) DESC, id DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX opportunities_close_order
  ON opportunities (workspace_id, coalesce(close_date, 'infinity'), id)
  WHERE deleted_at IS NULL;
CREATE INDEX opportunities_created_order ON opportunities (workspace_id, created_at DESC, id DESC)
  WHERE deleted_at IS NULL;

CREATE TABLE saved_views (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  owner_user uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('contacts', 'companies', 'deals')),
  name text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 80),
  query text NOT NULL CHECK (length(query) <= 2000),
  shared boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT saved_views_name_unique UNIQUE (workspace_id, owner_user, kind, name)
);
CREATE INDEX saved_views_kind ON saved_views (workspace_id, kind);

CREATE VIEW crm_saved_views AS
SELECT id, workspace_id AS client_id, kind, name, query, shared,
       owner_user = NULLIF(current_setting('redkey.user_id', true), '')::uuid AS mine,
       created_at
FROM saved_views
WHERE workspace_id = redkey_client_id()
  AND (shared OR owner_user = NULLIF(current_setting('redkey.user_id', true), '')::uuid);

-- Saves (or, under the same name, replaces) the signed-in person's view.
CREATE FUNCTION crm_save_view(p_kind text, p_name text, p_query text, p_shared boolean)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  saved uuid;
BEGIN
  IF uid IS NULL THEN
    RAISE EXCEPTION 'only a signed-in person saves views' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO saved_views (workspace_id, owner_user, kind, name, query, shared)
  VALUES (redkey_client_id(), uid, p_kind, btrim(p_name), p_query, p_shared)
  ON CONFLICT ON CONSTRAINT saved_views_name_unique
  DO UPDATE SET query = EXCLUDED.query, shared = EXCLUDED.shared, updated_at = now()
  RETURNING id INTO saved;
  RETURN saved;
END
$$;

-- Deletes one of the signed-in person's views; anyone else's (shared or
-- not, this client's or another's) reads as not found.
CREATE FUNCTION crm_delete_view(p_view uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  DELETE FROM saved_views
  WHERE id = p_view AND workspace_id = redkey_client_id()
    AND owner_user = NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'view not found' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

RESET ROLE;

SELECT redkey_isolate('saved_views');

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_saved_views', 'id', 'system', false, false),
  ('crm_saved_views', 'client_id', 'system', false, false),
  ('crm_saved_views', 'kind', 'system', false, false),
  ('crm_saved_views', 'name', 'system', false, false),
  ('crm_saved_views', 'query', 'system', false, false),
  ('crm_saved_views', 'shared', 'system', false, false),
  ('crm_saved_views', 'mine', 'system', false, false),
  ('crm_saved_views', 'created_at', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_save_view(text,text,text,boolean)', 'redkey_human'),
  ('crm_delete_view(uuid)', 'redkey_human');
SELECT redkey_apply_grants();
