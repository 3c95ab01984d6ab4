-- Twenty has no pipeline object: a workspace's deals have one stage
-- column, whose options are the attached client's one pipeline. A second
-- pipeline, or a stage that is no option of that column, would hold deals
-- Twenty cannot store, so both are refused with the way to get them.
-- Renaming, reordering and archiving stages stay as they are: they change
-- only how the cockpit shows Twenty's options.

SET LOCAL ROLE redkey_owner;

-- A member is refused as the main tables' trigger refuses them, first.
CREATE FUNCTION redkey_twenty.admin_only() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NULLIF(current_setting('redkey.user_id', true), '') IS NOT NULL AND NOT redkey_is_admin() THEN
    RAISE EXCEPTION 'only an admin changes pipelines and stages' USING ERRCODE = '42501';
  END IF;
END
$$;

CREATE FUNCTION redkey_twenty.crm_create_pipeline(p_name text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM redkey_twenty.admin_only();
  RAISE EXCEPTION 'this client''s deals live in Twenty, which has one pipeline: its opportunity stages'
    USING ERRCODE = 'RK002';
END
$$;

CREATE FUNCTION redkey_twenty.crm_create_stage(p_pipeline uuid, p_name text, p_probability integer,
                                               p_is_won boolean, p_is_lost boolean) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM redkey_twenty.admin_only();
  RAISE EXCEPTION 'this client''s stages are the options of Twenty''s opportunity stage field: add one in Twenty''s settings, then run redkey twenty after-upgrade'
    USING ERRCODE = 'RK002';
END
$$;

REVOKE ALL ON FUNCTION redkey_twenty.admin_only() FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_twenty.crm_create_pipeline(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION redkey_twenty.crm_create_stage(uuid, text, integer, boolean, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_create_pipeline(text) TO redkey_human;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_create_stage(uuid, text, integer, boolean, boolean)
  TO redkey_human;
