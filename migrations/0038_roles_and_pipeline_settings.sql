-- Members' roles, and the settings only an admin changes. A membership is
-- an admin's or a member's; everyone who belonged before this migration
-- becomes an admin (they could change everything until now). Pipelines and
-- stages refuse a write by a person who is not an admin of the client, in
-- a trigger, so every path (today's functions and any later one) obeys.

SET LOCAL ROLE redkey_owner;

ALTER TABLE user_clients
  ADD COLUMN role text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member'));
UPDATE user_clients SET role = 'admin';

-- True when the transaction's person is an admin of its client.
CREATE FUNCTION redkey_is_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM user_clients
    WHERE user_id = NULLIF(current_setting('redkey.user_id', true), '')::uuid
      AND workspace_id = redkey_client_id() AND role = 'admin');
$$;

CREATE FUNCTION crm_is_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT redkey_is_admin();
$$;

-- Without a person (arlo, the owner's command line) there is no one to
-- check: arlo's role cannot call the settings functions at all.
CREATE FUNCTION redkey_admin_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF NULLIF(current_setting('redkey.user_id', true), '') IS NOT NULL AND NOT redkey_is_admin() THEN
    RAISE EXCEPTION 'only an admin changes pipelines and stages'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN coalesce(NEW, OLD);
END
$$;
CREATE TRIGGER admin_only BEFORE INSERT OR UPDATE OR DELETE ON pipelines
  FOR EACH ROW EXECUTE FUNCTION redkey_admin_only();
CREATE TRIGGER admin_only BEFORE INSERT OR UPDATE OR DELETE ON pipeline_stages
  FOR EACH ROW EXECUTE FUNCTION redkey_admin_only();

CREATE FUNCTION crm_rename_pipeline(p_pipeline uuid, p_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE pipelines SET name = btrim(p_name)
  WHERE id = p_pipeline AND workspace_id = redkey_client_id() AND deleted_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pipeline not found' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

-- A stage's probability and whether it means won, lost or still open.
CREATE FUNCTION crm_set_stage_outcome(p_stage uuid, p_probability integer,
                                      p_is_won boolean, p_is_lost boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE pipeline_stages
  SET probability = p_probability, is_won = p_is_won, is_lost = p_is_lost
  WHERE id = p_stage AND workspace_id = redkey_client_id() AND archived_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stage not found' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

-- Every pipeline, with stages or not yet (crm_pipeline joins its stages).
CREATE VIEW crm_pipelines AS
SELECT id, workspace_id AS client_id, name, position
FROM pipelines
WHERE deleted_at IS NULL AND workspace_id = redkey_client_id();

-- The client's members with their roles (members of other clients and
-- removed ones never show).
CREATE VIEW crm_member_roles AS
SELECT m.id, m.workspace_id AS client_id, m.name_first_name AS first_name,
       m.name_last_name AS last_name, m.user_email AS email, m.user_id, uc.role
FROM workspace_members m
JOIN user_clients uc ON uc.user_id = m.user_id AND uc.workspace_id = m.workspace_id
WHERE m.deleted_at IS NULL AND m.workspace_id = redkey_client_id();

-- An admin changes a member's role; the client always keeps an admin.
CREATE FUNCTION crm_set_member_role(p_member uuid, p_role text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid;
BEGIN
  IF NOT redkey_is_admin() THEN
    RAISE EXCEPTION 'only an admin changes roles' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_role IS NULL OR p_role NOT IN ('admin', 'member') THEN
    RAISE EXCEPTION 'unknown role %', p_role USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT user_id INTO uid FROM workspace_members
  WHERE id = p_member AND workspace_id = redkey_client_id() AND deleted_at IS NULL;
  IF uid IS NULL THEN
    RAISE EXCEPTION 'member not found' USING ERRCODE = 'no_data_found';
  END IF;
  -- Row locks on the client's admins: two demotions at once cannot both pass.
  PERFORM 1 FROM user_clients WHERE workspace_id = redkey_client_id() AND role = 'admin'
    FOR UPDATE;
  UPDATE user_clients SET role = p_role WHERE user_id = uid AND workspace_id = redkey_client_id();
  IF NOT EXISTS (SELECT 1 FROM user_clients
                 WHERE workspace_id = redkey_client_id() AND role = 'admin') THEN
    RAISE EXCEPTION 'the client needs at least one admin' USING ERRCODE = 'RK002';
  END IF;
END
$$;

-- An admin removes a member from the client: the membership goes (their
-- sessions in this client end at once: the session store checks it on
-- every request) and the member is archived; their deals keep the name.
CREATE FUNCTION crm_remove_member(p_member uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid;
BEGIN
  IF NOT redkey_is_admin() THEN
    RAISE EXCEPTION 'only an admin removes members' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE workspace_members SET deleted_at = now()
  WHERE id = p_member AND workspace_id = redkey_client_id() AND deleted_at IS NULL
  RETURNING user_id INTO uid;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'member not found' USING ERRCODE = 'no_data_found';
  END IF;
  PERFORM 1 FROM user_clients WHERE workspace_id = redkey_client_id() AND role = 'admin'
    FOR UPDATE;
  DELETE FROM user_clients WHERE user_id = uid AND workspace_id = redkey_client_id();
  IF NOT EXISTS (SELECT 1 FROM user_clients
                 WHERE workspace_id = redkey_client_id() AND role = 'admin') THEN
    RAISE EXCEPTION 'the client needs at least one admin' USING ERRCODE = 'RK002';
  END IF;
END
$$;

-- The owner's command line sets the role (`redkey create-user --admin`);
-- re-running it never demotes, and a removed member comes back.
DROP FUNCTION redkey_admin_upsert_user(text, text, text, text[]);
CREATE FUNCTION redkey_admin_upsert_user(p_email text, p_name text, p_hash text,
                                         p_clients text[], p_admin boolean)
RETURNS uuid
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  uid uuid;
  ws uuid;
  c_slug text;
  r text := CASE WHEN p_admin THEN 'admin' ELSE 'member' END;
BEGIN
  INSERT INTO users (email, display_name, password_hash) VALUES (p_email, p_name, p_hash)
  ON CONFLICT (lower(email)) DO UPDATE
    SET display_name = excluded.display_name, password_hash = excluded.password_hash,
        updated_at = now()
  RETURNING id INTO uid;
  FOREACH c_slug IN ARRAY p_clients LOOP
    -- The owner credential bypasses RLS (superuser or BYPASSRLS).
    SELECT w.id INTO ws FROM workspaces w WHERE w.slug = c_slug;
    IF ws IS NULL THEN
      RAISE EXCEPTION 'no client with slug %', c_slug USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO user_clients (user_id, workspace_id, role) VALUES (uid, ws, r)
    ON CONFLICT (user_id, workspace_id) DO UPDATE
      SET role = CASE WHEN p_admin THEN 'admin' ELSE user_clients.role END;
    PERFORM set_config('redkey.client_id', ws::text, true);
    UPDATE workspace_members SET deleted_at = NULL
    WHERE workspace_id = ws AND user_id = uid AND deleted_at IS NOT NULL;
    INSERT INTO workspace_members (workspace_id, name_first_name, name_last_name, user_email, user_id)
    SELECT ws, split_part(p_name, ' ', 1), substr(p_name, length(split_part(p_name, ' ', 1)) + 2),
           p_email, uid
    WHERE NOT EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = ws AND m.user_id = uid);
  END LOOP;
  RETURN uid;
END
$$;
REVOKE ALL ON FUNCTION redkey_admin_upsert_user(text, text, text, text[], boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_is_admin() FROM PUBLIC;

RESET ROLE;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_pipelines', 'id', 'system', false, false),
  ('crm_pipelines', 'client_id', 'system', false, false),
  ('crm_pipelines', 'name', 'system', false, false),
  ('crm_pipelines', 'position', 'system', false, false),
  ('crm_member_roles', 'id', 'system', false, false),
  ('crm_member_roles', 'client_id', 'system', false, false),
  ('crm_member_roles', 'first_name', 'system', false, false),
  ('crm_member_roles', 'last_name', 'system', false, false),
  ('crm_member_roles', 'email', 'system', false, false),
  ('crm_member_roles', 'user_id', 'system', false, false),
  ('crm_member_roles', 'role', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_is_admin()', 'redkey_human'),
  ('crm_rename_pipeline(uuid,text)', 'redkey_human'),
  ('crm_set_stage_outcome(uuid,integer,boolean,boolean)', 'redkey_human'),
  ('crm_set_member_role(uuid,text)', 'redkey_human'),
  ('crm_remove_member(uuid)', 'redkey_human');
SELECT redkey_apply_grants();
