-- The kept forecast months (main migration 0062) for an attached client,
-- whose deals are Twenty's own rows: a row trigger on the workspace's
-- opportunity table (it changes no Twenty column; made and dropped with
-- the adapter's other triggers, here for the workspaces attached
-- already), then a count of what is there. Twenty's close date is a
-- timestamp, read as a date as the deals view reads it.

SET LOCAL ROLE redkey_owner;

-- Its one argument is the client.
CREATE FUNCTION redkey_twenty.count_close_month() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := TG_ARGV[0]::uuid;
  prev text := current_setting('redkey.client_id', true);
  o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  r jsonb;
  stage uuid;
BEGIN
  -- Twenty writes positions and timestamps often: only these move a month.
  IF o IS NOT NULL AND n IS NOT NULL
     AND (o -> 'stage', o -> 'amountAmountMicros', o -> 'closeDate', o ->> 'deletedAt' IS NULL)
         IS NOT DISTINCT FROM
         (n -> 'stage', n -> 'amountAmountMicros', n -> 'closeDate', n ->> 'deletedAt' IS NULL)
  THEN
    RETURN NULL;
  END IF;
  -- The old row leaves its month, the new one joins its own.
  FOR i IN 1 .. 2 LOOP
    r := CASE i WHEN 1 THEN o ELSE n END;
    CONTINUE WHEN r IS NULL OR r ->> 'deletedAt' IS NOT NULL;
    PERFORM set_config('redkey.client_id', client::text, true);
    SELECT s.stage_id INTO stage FROM redkey_twenty.stages s
    WHERE s.workspace_id = client AND s.label = r ->> 'stage';
    PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
    PERFORM public.redkey_add_close_month(client, stage, (r ->> 'closeDate')::timestamptz::date,
                                          (r ->> 'amountAmountMicros')::numeric,
                                          CASE i WHEN 1 THEN -1 ELSE 1 END);
  END LOOP;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.count_close_month() FROM PUBLIC;

DO $$
DECLARE
  a record;
BEGIN
  FOR a IN SELECT workspace_id, workspace_schema FROM redkey_twenty.attachments LOOP
    EXECUTE format('CREATE TRIGGER redkey_close_month AFTER INSERT OR DELETE OR UPDATE ON %I.opportunity '
                   'FOR EACH ROW EXECUTE FUNCTION redkey_twenty.count_close_month(%L)',
                   a.workspace_schema, a.workspace_id);
  END LOOP;
END
$$;

SELECT public.redkey_recount_close_months(workspace_id) FROM redkey_twenty.attachments;

RESET ROLE;
