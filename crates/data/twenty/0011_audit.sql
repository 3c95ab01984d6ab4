-- The field audit trail for the fields an attached client keeps in
-- Twenty's own columns (a deal's stage, amount, currency and close date;
-- the operational LinkedIn link and head count), as the main tables'
-- audit trigger keeps it for theirs: a trigger on Twenty's table (it
-- changes no Twenty column; made and dropped with the adapter's views)
-- records each change in field_changes, so the record timelines and the
-- won and lost history see every stage move. Changes made through our
-- roles follow the main rule (a strategic change needs a signed-in user
-- or a stored instruction); changes Twenty's own app makes are recorded
-- as Twenty's.

SET LOCAL ROLE redkey_owner;

-- A Twenty value as the main view holds it: '' is none, a stage option
-- is our stage id, a timestamp read as a date is a date.
CREATE FUNCTION redkey_twenty.audit_value(p_client uuid, p_value jsonb, p_kind text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT CASE
    WHEN p_value IS NULL OR p_value = 'null'::jsonb OR p_value = '""'::jsonb THEN 'null'::jsonb
    WHEN p_kind = 'stage' THEN coalesce(
      (SELECT to_jsonb(s.stage_id) FROM redkey_twenty.stages s
       WHERE s.workspace_id = p_client AND s.label = p_value #>> '{}'), 'null'::jsonb)
    WHEN p_kind = 'date' THEN to_jsonb((p_value #>> '{}')::timestamptz::date)
    ELSE p_value END;
$$;

-- Arguments: the client, the view, then 'view column:Twenty column:class'
-- with an optional ':stage' or ':date' for the value's reading.
CREATE FUNCTION redkey_twenty.audit_twenty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := TG_ARGV[0]::uuid;
  o jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
  n jsonb := to_jsonb(NEW);
  acting text := current_setting('role');
  ours boolean := current_setting('role') IN ('redkey_human', 'redkey_agent', 'redkey_engine');
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  obo uuid := NULLIF(current_setting('redkey.on_behalf_of', true), '')::uuid;
  prev text := current_setting('redkey.client_id', true);
  spec text[];
  before jsonb;
  after jsonb;
BEGIN
  -- A purge deletes for good: no field changed.
  IF TG_OP = 'DELETE' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('redkey.client_id', client::text, true);
  FOR i IN 2 .. TG_NARGS - 1 LOOP
    spec := string_to_array(TG_ARGV[i], ':');
    -- Most updates (a board's renumbering) leave these columns alone.
    CONTINUE WHEN TG_OP = 'UPDATE' AND o -> spec[2] IS NOT DISTINCT FROM n -> spec[2];
    before := CASE WHEN o IS NOT NULL THEN redkey_twenty.audit_value(client, o -> spec[2], spec[4]) END;
    after := redkey_twenty.audit_value(client, n -> spec[2], spec[4]);
    IF TG_OP = 'INSERT' AND (spec[3] <> 'strategic' OR after = 'null'::jsonb) THEN
      CONTINUE;
    END IF;
    IF TG_OP = 'UPDATE' AND before IS NOT DISTINCT FROM after THEN
      CONTINUE;
    END IF;
    IF ours AND spec[3] = 'strategic' AND uid IS NULL AND obo IS NULL THEN
      RAISE EXCEPTION 'strategic field % changed without a signed-in user or a stored instruction', spec[1]
        USING ERRCODE = 'RK001';
    END IF;
    INSERT INTO field_changes (workspace_id, view_name, row_id, column_name, old_value, new_value,
                               acting_role, user_id, on_behalf_of)
    VALUES (client, TG_ARGV[1], (n ->> 'id')::uuid, spec[1], before, after,
            CASE WHEN ours THEN acting ELSE 'twenty' END,
            CASE WHEN ours THEN uid END, CASE WHEN ours THEN obo END);
  END LOOP;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.audit_twenty() FROM PUBLIC;

RESET ROLE;
