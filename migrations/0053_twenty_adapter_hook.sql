-- The one hook the main schema keeps for the Twenty adapter (its own
-- migration set, schema redkey_twenty): each client transaction asks which
-- schemas to resolve names in. A client attached to a live Twenty
-- workspace finds the adapter's crm_* views first; every other client, and
-- any database without the adapter, resolves in public alone.
CREATE FUNCTION redkey_search_path() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
  IF to_regnamespace('redkey_twenty') IS NULL THEN
    RETURN 'public';
  END IF;
  RETURN redkey_twenty.search_path_for(redkey_client_id());
END
$$;
