-- The kept won and lost outcomes (main migration 0061) for an attached
-- client, whose deals are Twenty's own rows: a row trigger on the
-- workspace's opportunity table (it changes no Twenty column; made and
-- dropped with the adapter's other triggers, here for the workspaces
-- attached already), then a count of what is there.

SET LOCAL ROLE redkey_owner;

-- Its one argument is the client. Only a change of stage, amount or trash
-- state moves an outcome (Twenty writes position and timestamps often).
CREATE FUNCTION redkey_twenty.keep_outcome() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := TG_ARGV[0]::uuid;
  prev text := current_setting('redkey.client_id', true);
  o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  stage uuid;
BEGIN
  IF n IS NULL THEN
    PERFORM public.redkey_keep_outcome(client, (o ->> 'id')::uuid, NULL, NULL, false, false);
  ELSIF o IS NULL OR (o -> 'stage', o -> 'amountAmountMicros', o ->> 'deletedAt' IS NULL)
                     IS DISTINCT FROM (n -> 'stage', n -> 'amountAmountMicros', n ->> 'deletedAt' IS NULL)
  THEN
    PERFORM set_config('redkey.client_id', client::text, true);
    SELECT s.stage_id INTO stage FROM redkey_twenty.stages s
    WHERE s.workspace_id = client AND s.label = n ->> 'stage';
    PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
    PERFORM public.redkey_keep_outcome(client, (n ->> 'id')::uuid, stage,
                                       (n ->> 'amountAmountMicros')::numeric,
                                       n ->> 'deletedAt' IS NULL,
                                       o IS NULL OR o -> 'stage' IS DISTINCT FROM n -> 'stage');
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.keep_outcome() FROM PUBLIC;

DO $$
DECLARE
  a record;
BEGIN
  FOR a IN SELECT workspace_id, workspace_schema FROM redkey_twenty.attachments LOOP
    EXECUTE format('CREATE TRIGGER redkey_outcome AFTER INSERT OR DELETE OR UPDATE ON %I.opportunity '
                   'FOR EACH ROW EXECUTE FUNCTION redkey_twenty.keep_outcome(%L)',
                   a.workspace_schema, a.workspace_id);
  END LOOP;
END
$$;

SELECT public.redkey_recount_deal_outcomes(workspace_id) FROM redkey_twenty.attachments;

RESET ROLE;
