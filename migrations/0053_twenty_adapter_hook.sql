-- The main schema's hooks for the Twenty adapter (its own migration set,
-- schema redkey_twenty).

SET LOCAL ROLE redkey_owner;

-- Each client transaction asks which schemas to resolve names in. A client
-- attached to a live Twenty workspace finds the adapter's crm_* views
-- first; every other client, and any database without the adapter,
-- resolves in public alone.
CREATE FUNCTION redkey_search_path() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
  IF to_regnamespace('redkey_twenty') IS NULL THEN
    RETURN 'public';
  END IF;
  RETURN redkey_twenty.search_path_for(redkey_client_id());
END
$$;

-- The column policy, applied to the crm_* views of one schema: public's,
-- or the adapter's, which must grant exactly the same.
CREATE FUNCTION redkey_grant_views(p_schema text) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = p_schema AND c.relkind = 'v' AND c.relname LIKE 'crm\_%'
  LOOP
    EXECUTE format('REVOKE ALL ON %I.%I FROM PUBLIC, redkey_human, redkey_agent, redkey_engine',
                   p_schema, r.relname);
    EXECUTE format('GRANT SELECT ON %I.%I TO redkey_human, redkey_agent', p_schema, r.relname);
  END LOOP;
  FOR r IN SELECT * FROM redkey_column_policy
           WHERE (class <> 'system' OR on_insert)
             AND (p_schema = 'public' OR to_regclass(format('%I.%I', p_schema, view_name)) IS NOT NULL)
  LOOP
    IF r.class IN ('strategic', 'identity', 'system') THEN
      IF r.on_insert THEN
        EXECUTE format('GRANT INSERT (%I) ON %I.%I TO redkey_human', r.column_name, p_schema, r.view_name);
      END IF;
      IF r.on_update AND r.class <> 'system' THEN
        EXECUTE format('GRANT UPDATE (%I) ON %I.%I TO redkey_human', r.column_name, p_schema, r.view_name);
      END IF;
    END IF;
    IF r.class IN ('operational', 'identity', 'system') THEN
      IF r.on_insert THEN
        EXECUTE format('GRANT INSERT (%I) ON %I.%I TO redkey_agent', r.column_name, p_schema, r.view_name);
      END IF;
      IF r.on_update AND r.class <> 'system' THEN
        EXECUTE format('GRANT UPDATE (%I) ON %I.%I TO redkey_agent', r.column_name, p_schema, r.view_name);
      END IF;
    END IF;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION redkey_grant_views(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION redkey_apply_grants() RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  r record;
BEGIN
  PERFORM redkey_grant_views('public');
  FOR r IN SELECT p.oid::regprocedure::text AS sig FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND (p.proname LIKE 'crm\_%' OR p.proname LIKE 'engine\_%')
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, redkey_human, redkey_agent, redkey_engine', r.sig);
  END LOOP;
  FOR r IN SELECT * FROM redkey_function_policy LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', r.signature, r.role_name);
  END LOOP;
END
$$;

SELECT redkey_apply_grants();
