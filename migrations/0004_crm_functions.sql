-- Pipeline changes, soft delete and restore go through these functions,
-- never through direct writes. Each is SECURITY DEFINER (owner: redkey_owner,
-- still subject to forced row-level security, so it sees only the current
-- client), pins its search_path, and is executable only by the roles named
-- in redkey_function_policy.

SET LOCAL ROLE redkey_owner;

CREATE FUNCTION crm_move_deal(p_deal uuid, p_stage uuid, p_position integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  d opportunities;
  s pipeline_stages;
  ids uuid[];
  n integer;
BEGIN
  SELECT * INTO d FROM opportunities WHERE id = p_deal AND deleted_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'deal not found' USING ERRCODE = 'no_data_found';
  END IF;
  SELECT * INTO s FROM pipeline_stages WHERE id = p_stage AND archived_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stage not found' USING ERRCODE = 'no_data_found';
  END IF;
  -- Lock the destination column so concurrent moves serialise.
  SELECT coalesce(array_agg(id ORDER BY position, created_at, id), '{}') INTO ids
  FROM (SELECT id, position, created_at FROM opportunities
        WHERE stage_id = p_stage AND id <> p_deal AND deleted_at IS NULL
        FOR UPDATE) x;
  n := cardinality(ids);
  p_position := greatest(0, least(coalesce(p_position, n), n));
  ids := ids[1:p_position] || p_deal || ids[p_position + 1:];
  IF d.stage_id <> p_stage THEN
    UPDATE opportunities
    SET stage_id = p_stage, pipeline_id = s.pipeline_id, stage_changed_at = now()
    WHERE id = p_deal;
    UPDATE opportunities o SET position = t.ord - 1
    FROM (SELECT id, row_number() OVER (ORDER BY position, created_at, id) AS ord
          FROM opportunities WHERE stage_id = d.stage_id AND deleted_at IS NULL) t
    WHERE o.id = t.id AND o.position <> t.ord - 1;
  END IF;
  UPDATE opportunities o SET position = t.ord - 1
  FROM unnest(ids) WITH ORDINALITY AS t(id, ord)
  WHERE o.id = t.id AND o.position <> t.ord - 1;
END
$$;

CREATE FUNCTION crm_create_pipeline(p_name text) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO pipelines (name, position)
  VALUES (p_name, coalesce((SELECT max(position) + 1 FROM pipelines WHERE deleted_at IS NULL), 0))
  RETURNING id;
$$;

CREATE FUNCTION crm_create_stage(p_pipeline uuid, p_name text, p_probability integer,
                                 p_is_won boolean, p_is_lost boolean) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  new_id uuid;
BEGIN
  PERFORM 1 FROM pipelines WHERE id = p_pipeline AND deleted_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'pipeline not found' USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO pipeline_stages (pipeline_id, name, probability, is_won, is_lost, position)
  VALUES (p_pipeline, p_name, p_probability, p_is_won, p_is_lost,
          coalesce((SELECT max(position) + 1 FROM pipeline_stages
                    WHERE pipeline_id = p_pipeline AND archived_at IS NULL), 0))
  RETURNING id INTO new_id;
  RETURN new_id;
END
$$;

CREATE FUNCTION crm_rename_stage(p_stage uuid, p_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE pipeline_stages SET name = p_name WHERE id = p_stage AND archived_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stage not found' USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

CREATE FUNCTION crm_reorder_stage(p_stage uuid, p_position integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  s pipeline_stages;
  ids uuid[];
  n integer;
BEGIN
  SELECT * INTO s FROM pipeline_stages WHERE id = p_stage AND archived_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stage not found' USING ERRCODE = 'no_data_found';
  END IF;
  SELECT coalesce(array_agg(id ORDER BY position, id), '{}') INTO ids
  FROM (SELECT id, position FROM pipeline_stages
        WHERE pipeline_id = s.pipeline_id AND id <> p_stage AND archived_at IS NULL FOR UPDATE) x;
  n := cardinality(ids);
  p_position := greatest(0, least(p_position, n));
  ids := ids[1:p_position] || p_stage || ids[p_position + 1:];
  UPDATE pipeline_stages st SET position = t.ord - 1
  FROM unnest(ids) WITH ORDINALITY AS t(id, ord)
  WHERE st.id = t.id AND st.position <> t.ord - 1;
END
$$;

CREATE FUNCTION crm_archive_stage(p_stage uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM 1 FROM pipeline_stages WHERE id = p_stage AND archived_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stage not found' USING ERRCODE = 'no_data_found';
  END IF;
  IF EXISTS (SELECT 1 FROM opportunities WHERE stage_id = p_stage AND deleted_at IS NULL) THEN
    RAISE EXCEPTION 'stage still holds deals: move them first' USING ERRCODE = 'RK002';
  END IF;
  UPDATE pipeline_stages SET archived_at = now() WHERE id = p_stage;
END
$$;

-- Soft delete and restore. A view that hides deleted rows cannot
-- soft-delete through its own check option, hence a function.
CREATE FUNCTION redkey_soft_table(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_kind
    WHEN 'contact' THEN 'people' WHEN 'company' THEN 'companies'
    WHEN 'deal' THEN 'opportunities' WHEN 'activity' THEN 'activities'
    WHEN 'note' THEN 'notes' WHEN 'attachment' THEN 'attachments'
    WHEN 'sequence' THEN 'sequences' END;
$$;

CREATE FUNCTION crm_archive(p_kind text, p_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t text := redkey_soft_table(p_kind);
  n integer;
BEGIN
  IF t IS NULL THEN
    RAISE EXCEPTION 'unknown record kind %', p_kind USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('UPDATE %I SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL', t)
    USING p_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION '% not found', p_kind USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

CREATE FUNCTION crm_restore(p_kind text, p_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t text := redkey_soft_table(p_kind);
  n integer;
BEGIN
  IF t IS NULL THEN
    RAISE EXCEPTION 'unknown record kind %', p_kind USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('UPDATE %I SET deleted_at = NULL WHERE id = $1 AND deleted_at IS NOT NULL', t)
    USING p_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION '% not found', p_kind USING ERRCODE = 'no_data_found';
  END IF;
END
$$;

REVOKE ALL ON FUNCTION redkey_soft_table(text) FROM PUBLIC;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_move_deal(uuid,uuid,integer)', 'redkey_human'),
  ('crm_create_pipeline(text)', 'redkey_human'),
  ('crm_create_stage(uuid,text,integer,boolean,boolean)', 'redkey_human'),
  ('crm_rename_stage(uuid,text)', 'redkey_human'),
  ('crm_reorder_stage(uuid,integer)', 'redkey_human'),
  ('crm_archive_stage(uuid)', 'redkey_human'),
  ('crm_archive(text,uuid)', 'redkey_human'),
  ('crm_restore(text,uuid)', 'redkey_human');

SELECT redkey_apply_grants();
