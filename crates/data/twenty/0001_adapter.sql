-- The Twenty adapter's own tables, in their own schema and history: the
-- main migrations never touch them, and dropping the adapter's generated
-- views (before a Twenty upgrade) loses nothing stored here.
--
-- Each attached Twenty workspace schema is one client. What Twenty has no
-- column for (strategic and operational fields, the pipeline and its
-- stages) lives in extension tables keyed by Twenty's own row ids.

CREATE SCHEMA IF NOT EXISTS redkey_twenty AUTHORIZATION redkey_owner;
GRANT USAGE ON SCHEMA redkey_twenty TO redkey_human, redkey_agent, redkey_engine;

SET LOCAL ROLE redkey_owner;

CREATE TABLE redkey_twenty.attachments (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces (id),
  workspace_schema text NOT NULL UNIQUE CHECK (workspace_schema ~ '^[a-z_][a-z0-9_]{0,62}$'),
  -- The one pipeline whose stages are Twenty's stage options.
  pipeline_id uuid NOT NULL,
  attached_at timestamptz NOT NULL DEFAULT now()
);

-- Twenty's stage option (an enum label) <-> our stage row.
CREATE TABLE redkey_twenty.stages (
  workspace_id uuid NOT NULL REFERENCES redkey_twenty.attachments (workspace_id) ON DELETE CASCADE,
  label text NOT NULL,
  stage_id uuid NOT NULL,
  PRIMARY KEY (workspace_id, label),
  UNIQUE (workspace_id, stage_id)
);

CREATE TABLE redkey_twenty.person_ext (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  id uuid NOT NULL,
  priority priority_level,
  relationship_note text,
  strategy_note text,
  recontact_at timestamptz,
  last_activity_at timestamptz,
  enriched_at timestamptz,
  email_thread_count integer NOT NULL DEFAULT 0,
  open_count integer NOT NULL DEFAULT 0,
  sequence_step integer,
  sequence_enrolled_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);

CREATE TABLE redkey_twenty.company_ext (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  id uuid NOT NULL,
  priority priority_level,
  strategy_note text,
  last_activity_at timestamptz,
  enriched_at timestamptz,
  company_size text,
  industry text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);

CREATE TABLE redkey_twenty.opportunity_ext (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  id uuid NOT NULL,
  priority priority_level,
  strategy_note text,
  recontact_at timestamptz,
  last_activity_at timestamptz,
  stage_changed_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);

CREATE TRIGGER touch_updated_at BEFORE UPDATE ON redkey_twenty.person_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON redkey_twenty.company_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON redkey_twenty.opportunity_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();

-- The same audit trail as the main tables: strategic changes need a
-- signed-in user or a stored instruction, and every change is recorded.
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON redkey_twenty.person_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_contacts', 'priority:priority:strategic', 'relationship_note:relationship_note:strategic',
  'strategy_note:strategy_note:strategic', 'recontact_at:recontact_at:strategic',
  'last_activity_at:last_activity_at:operational', 'enriched_at:enriched_at:operational',
  'email_thread_count:email_thread_count:operational', 'open_count:open_count:operational',
  'sequence_step:sequence_step:operational', 'sequence_enrolled_at:sequence_enrolled_at:operational');
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON redkey_twenty.company_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_companies', 'priority:priority:strategic', 'strategy_note:strategy_note:strategic',
  'last_activity_at:last_activity_at:operational', 'enriched_at:enriched_at:operational',
  'company_size:company_size:operational', 'industry:industry:operational');
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON redkey_twenty.opportunity_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_deals', 'priority:priority:strategic', 'strategy_note:strategy_note:strategic',
  'recontact_at:recontact_at:strategic', 'last_activity_at:last_activity_at:operational');

RESET ROLE;
SELECT redkey_isolate('redkey_twenty.person_ext', 'redkey_twenty.company_ext',
                      'redkey_twenty.opportunity_ext');
SET LOCAL ROLE redkey_owner;

-- Which schemas a transaction of this client resolves names in: the
-- adapter's views first for an attached client. SECURITY DEFINER: the
-- serving roles may not read the attachment list itself.
CREATE FUNCTION redkey_twenty.search_path_for(p_client uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = redkey_twenty, pg_temp AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM redkey_twenty.attachments WHERE workspace_id = p_client)
              THEN 'redkey_twenty, public' ELSE 'public' END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.search_path_for(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.search_path_for(uuid)
  TO redkey_human, redkey_agent, redkey_engine;

-- Stage totals for deals Twenty's own app writes too: a row trigger on the
-- workspace's opportunity table (it changes no Twenty column), keeping the
-- same stage_totals rows the board reads. Its one argument is the client.
-- Columns are read through jsonb so one function serves every workspace.
CREATE FUNCTION redkey_twenty.count_deal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := TG_ARGV[0]::uuid;
  prev text := current_setting('redkey.client_id', true);
  o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  stage uuid;
BEGIN
  PERFORM set_config('redkey.client_id', client::text, true);
  IF o IS NOT NULL AND o ->> 'deletedAt' IS NULL THEN
    SELECT s.stage_id INTO stage FROM redkey_twenty.stages s
    WHERE s.workspace_id = client AND s.label = o ->> 'stage';
    IF stage IS NOT NULL THEN
      INSERT INTO stage_totals AS t (workspace_id, stage_id, deal_count, amount_micros)
      VALUES (client, stage, -1, -coalesce((o ->> 'amountAmountMicros')::numeric, 0))
      ON CONFLICT (workspace_id, stage_id) DO UPDATE
      SET deal_count = t.deal_count - 1,
          amount_micros = t.amount_micros - coalesce((o ->> 'amountAmountMicros')::numeric, 0);
    END IF;
  END IF;
  IF n IS NOT NULL AND n ->> 'deletedAt' IS NULL THEN
    SELECT s.stage_id INTO stage FROM redkey_twenty.stages s
    WHERE s.workspace_id = client AND s.label = n ->> 'stage';
    IF stage IS NOT NULL THEN
      INSERT INTO stage_totals AS t (workspace_id, stage_id, deal_count, amount_micros)
      VALUES (client, stage, 1, coalesce((n ->> 'amountAmountMicros')::numeric, 0))
      ON CONFLICT (workspace_id, stage_id) DO UPDATE
      SET deal_count = t.deal_count + 1,
          amount_micros = t.amount_micros + coalesce((n ->> 'amountAmountMicros')::numeric, 0);
    END IF;
  END IF;
  -- A stage change, whoever makes it, restarts the deal's time in stage.
  IF n IS NOT NULL AND (o IS NULL OR o ->> 'stage' IS DISTINCT FROM n ->> 'stage') THEN
    INSERT INTO redkey_twenty.opportunity_ext AS e (workspace_id, id, stage_changed_at)
    VALUES (client, (n ->> 'id')::uuid, now())
    ON CONFLICT (workspace_id, id) DO UPDATE SET stage_changed_at = now();
  END IF;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.count_deal() FROM PUBLIC;

-- Recounts one attached client's totals from Twenty's rows (at attach and
-- after an upgrade, when the triggers were away).
CREATE FUNCTION redkey_twenty.recount(p_client uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ws text;
BEGIN
  SELECT workspace_schema INTO STRICT ws FROM redkey_twenty.attachments WHERE workspace_id = p_client;
  PERFORM set_config('redkey.client_id', p_client::text, true);
  DELETE FROM stage_totals WHERE workspace_id = p_client;
  EXECUTE format(
    'INSERT INTO stage_totals (workspace_id, stage_id, deal_count, amount_micros)
     SELECT $1, s.stage_id, count(*), coalesce(sum(o."amountAmountMicros"::numeric), 0)
     FROM %I.opportunity o JOIN redkey_twenty.stages s ON s.workspace_id = $1 AND s.label = o.stage::text
     WHERE o."deletedAt" IS NULL GROUP BY s.stage_id', ws) USING p_client;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.recount(uuid) FROM PUBLIC;

-- The board's move for an attached client (found before public's by the
-- search path): the same contract as crm_move_deal, on Twenty's rows. The
-- stage change goes to Twenty's stage column, where the row trigger keeps
-- the totals and the time in stage.
CREATE FUNCTION redkey_twenty.crm_move_deal(p_deal uuid, p_stage uuid, p_position integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := redkey_client_id();
  ws text;
  stage_type text;
  target text;
  current text;
  ids uuid[];
  n integer;
BEGIN
  SELECT workspace_schema INTO ws FROM redkey_twenty.attachments WHERE workspace_id = client;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'deal not found' USING ERRCODE = 'no_data_found';
  END IF;
  SELECT st.label INTO target FROM redkey_twenty.stages st
  JOIN pipeline_stages s ON s.workspace_id = st.workspace_id AND s.id = st.stage_id
  WHERE st.workspace_id = client AND st.stage_id = p_stage AND s.archived_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stage not found' USING ERRCODE = 'no_data_found';
  END IF;
  EXECUTE format('SELECT stage::text FROM %I.opportunity WHERE id = $1 AND "deletedAt" IS NULL FOR UPDATE', ws)
    INTO current USING p_deal;
  IF current IS NULL THEN
    RAISE EXCEPTION 'deal not found' USING ERRCODE = 'no_data_found';
  END IF;
  -- Lock the destination column so concurrent moves serialise.
  EXECUTE format('SELECT coalesce(array_agg(id ORDER BY position, "createdAt", id), ''{}'') FROM
                    (SELECT id, position, "createdAt" FROM %I.opportunity
                     WHERE stage::text = $1 AND id <> $2 AND "deletedAt" IS NULL FOR UPDATE) x', ws)
    INTO ids USING target, p_deal;
  n := cardinality(ids);
  p_position := greatest(0, least(coalesce(p_position, n), n));
  ids := ids[1:p_position] || p_deal || ids[p_position + 1:];
  IF current <> target THEN
    SELECT format_type(a.atttypid, a.atttypmod) INTO stage_type FROM pg_attribute a
    WHERE a.attrelid = format('%I.opportunity', ws)::regclass AND a.attname = 'stage';
    EXECUTE format('UPDATE %I.opportunity SET stage = $1::text::%s, "updatedAt" = now() WHERE id = $2',
                   ws, stage_type) USING target, p_deal;
    EXECUTE format('UPDATE %I.opportunity o SET position = t.ord - 1
                    FROM (SELECT id, row_number() OVER (ORDER BY position, "createdAt", id) AS ord
                          FROM %I.opportunity WHERE stage::text = $1 AND "deletedAt" IS NULL) t
                    WHERE o.id = t.id AND o.position <> t.ord - 1', ws, ws) USING current;
  END IF;
  EXECUTE format('UPDATE %I.opportunity o SET position = t.ord - 1
                  FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord)
                  WHERE o.id = t.id AND o.position <> t.ord - 1', ws) USING ids;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.crm_move_deal(uuid, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_move_deal(uuid, uuid, integer) TO redkey_human;
