-- Today's kept deal numbers (main migration 0061) for an attached client,
-- whose deals are Twenty's own rows: a row trigger on the workspace's
-- opportunity table (it changes no Twenty column; made and dropped with
-- the adapter's other triggers, here for the workspaces attached already),
-- then a count of what is there. Twenty's close date is a timestamp, read
-- as a date as the deals view reads it.

SET LOCAL ROLE redkey_owner;

-- Its one argument is the client. Columns are read through jsonb so one
-- function serves every workspace.
CREATE FUNCTION redkey_twenty.count_deal_charts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := TG_ARGV[0]::uuid;
  prev text := current_setting('redkey.client_id', true);
  o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  stages uuid[];
BEGIN
  -- Twenty writes positions and timestamps often: only these move a number.
  IF o IS NOT NULL AND n IS NOT NULL
     AND (o -> 'stage', o -> 'amountAmountMicros', o -> 'closeDate', o ->> 'deletedAt' IS NULL)
         IS NOT DISTINCT FROM
         (n -> 'stage', n -> 'amountAmountMicros', n -> 'closeDate', n ->> 'deletedAt' IS NULL)
  THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('redkey.client_id', client::text, true);
  SELECT array[(SELECT s.stage_id FROM redkey_twenty.stages s
                WHERE s.workspace_id = client AND s.label = o ->> 'stage'),
               (SELECT s.stage_id FROM redkey_twenty.stages s
                WHERE s.workspace_id = client AND s.label = n ->> 'stage')] INTO stages;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  PERFORM public.redkey_keep_outcome(client, (coalesce(n, o) ->> 'id')::uuid, stages[2],
                                     (n ->> 'amountAmountMicros')::numeric,
                                     n IS NOT NULL AND n ->> 'deletedAt' IS NULL,
                                     o IS NULL OR o -> 'stage' IS DISTINCT FROM n -> 'stage');
  IF o IS NOT NULL AND o ->> 'deletedAt' IS NULL THEN
    PERFORM public.redkey_add_close_month(client, stages[1], (o ->> 'closeDate')::timestamptz::date,
                                          (o ->> 'amountAmountMicros')::numeric, -1);
  END IF;
  IF n IS NOT NULL AND n ->> 'deletedAt' IS NULL THEN
    PERFORM public.redkey_add_close_month(client, stages[2], (n ->> 'closeDate')::timestamptz::date,
                                          (n ->> 'amountAmountMicros')::numeric, 1);
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.count_deal_charts() FROM PUBLIC;

DO $$
DECLARE
  a record;
BEGIN
  FOR a IN SELECT workspace_id, workspace_schema FROM redkey_twenty.attachments LOOP
    EXECUTE format('CREATE TRIGGER redkey_deal_charts AFTER INSERT OR DELETE OR UPDATE '
                   'ON %I.opportunity FOR EACH ROW '
                   'EXECUTE FUNCTION redkey_twenty.count_deal_charts(%L)',
                   a.workspace_schema, a.workspace_id);
  END LOOP;
END
$$;

SELECT public.redkey_recount_deal_charts(workspace_id) FROM redkey_twenty.attachments;

RESET ROLE;
