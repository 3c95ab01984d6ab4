-- Layer 2: the stable crm_* views, the column policy, and the one grant
-- routine. The serving roles get privileges on these and nothing else.

SET LOCAL ROLE redkey_owner;

-- The contract: every view column is strategic (the human's), operational
-- (arlo's), identity (both write) or system (neither writes directly).
-- on_insert/on_update say which statements the writing role may name it in.
CREATE TABLE redkey_column_policy (
  view_name text NOT NULL,
  column_name text NOT NULL,
  class text NOT NULL CHECK (class IN ('strategic', 'operational', 'identity', 'system')),
  on_insert boolean NOT NULL DEFAULT true,
  on_update boolean NOT NULL DEFAULT true,
  PRIMARY KEY (view_name, column_name)
);

-- Which role may execute which function (signature as regprocedure text).
CREATE TABLE redkey_function_policy (
  signature text NOT NULL,
  role_name text NOT NULL CHECK (role_name IN ('redkey_human', 'redkey_agent', 'redkey_engine')),
  PRIMARY KEY (signature, role_name)
);

-- Revokes everything from the serving roles on every crm_* view and
-- registered function, then grants exactly what the policy tables say.
-- Called after any migration that (re)creates views or functions.
CREATE FUNCTION redkey_apply_grants() RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'v' AND c.relname LIKE 'crm\_%'
  LOOP
    EXECUTE format('REVOKE ALL ON %I FROM PUBLIC, redkey_human, redkey_agent, redkey_engine', r.relname);
    EXECUTE format('GRANT SELECT ON %I TO redkey_human, redkey_agent', r.relname);
  END LOOP;
  FOR r IN SELECT * FROM redkey_column_policy WHERE class <> 'system' OR on_insert LOOP
    IF r.class IN ('strategic', 'identity', 'system') THEN
      IF r.on_insert THEN
        EXECUTE format('GRANT INSERT (%I) ON %I TO redkey_human', r.column_name, r.view_name);
      END IF;
      IF r.on_update AND r.class <> 'system' THEN
        EXECUTE format('GRANT UPDATE (%I) ON %I TO redkey_human', r.column_name, r.view_name);
      END IF;
    END IF;
    IF r.class IN ('operational', 'identity', 'system') THEN
      IF r.on_insert THEN
        EXECUTE format('GRANT INSERT (%I) ON %I TO redkey_agent', r.column_name, r.view_name);
      END IF;
      IF r.on_update AND r.class <> 'system' THEN
        EXECUTE format('GRANT UPDATE (%I) ON %I TO redkey_agent', r.column_name, r.view_name);
      END IF;
    END IF;
  END LOOP;
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
REVOKE ALL ON FUNCTION redkey_apply_grants() FROM PUBLIC;

CREATE FUNCTION redkey_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['workspaces', 'workspace_members', 'companies', 'people', 'pipelines',
    'pipeline_stages', 'opportunities', 'activities', 'notes', 'attachments', 'sequences',
    'sequence_contacts']
  LOOP
    EXECUTE format('CREATE TRIGGER touch_updated_at BEFORE UPDATE ON %I
      FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at()', t);
  END LOOP;
END
$$;

-- The audit trigger. Arguments: the view name, then one
-- 'view_column:table_column:class' per audited column. Views take no row
-- triggers, so it sits on the tables. SECURITY DEFINER makes current_user
-- the owner: the acting role is read from the 'role' setting instead.
CREATE FUNCTION redkey_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
  new_row jsonb := to_jsonb(NEW);
  spec text[];
  acting text := current_setting('role');
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  obo uuid := NULLIF(current_setting('redkey.on_behalf_of', true), '')::uuid;
BEGIN
  FOR i IN 1 .. TG_NARGS - 1 LOOP
    spec := string_to_array(TG_ARGV[i], ':');
    IF TG_OP = 'INSERT' AND (spec[3] <> 'strategic' OR new_row -> spec[2] = 'null'::jsonb) THEN
      CONTINUE;
    END IF;
    IF TG_OP = 'UPDATE' AND (old_row -> spec[2]) IS NOT DISTINCT FROM (new_row -> spec[2]) THEN
      CONTINUE;
    END IF;
    IF spec[3] = 'strategic' AND uid IS NULL AND obo IS NULL THEN
      RAISE EXCEPTION 'strategic field % changed without a signed-in user or a stored instruction', spec[1]
        USING ERRCODE = 'RK001';
    END IF;
    INSERT INTO field_changes (workspace_id, view_name, row_id, column_name, old_value, new_value,
                               acting_role, user_id, on_behalf_of)
    VALUES (NEW.workspace_id, TG_ARGV[0], NEW.id, spec[1], old_row -> spec[2], new_row -> spec[2],
            acting, uid, obo);
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER audit AFTER INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_contacts', 'priority:priority:strategic', 'relationship_note:relationship_note:strategic',
  'strategy_note:strategy_note:strategic', 'recontact_at:recontact_at:strategic',
  'last_activity_at:last_activity_at:operational', 'enriched_at:enriched_at:operational',
  'email_thread_count:email_thread_count:operational', 'open_count:open_count:operational',
  'linkedin_url:linkedin_link_primary_link_url:operational',
  'sequence_step:sequence_step:operational', 'sequence_enrolled_at:sequence_enrolled_at:operational');

CREATE TRIGGER audit AFTER INSERT OR UPDATE ON companies FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_companies', 'priority:priority:strategic', 'strategy_note:strategy_note:strategic',
  'account_owner_id:account_owner_id:strategic',
  'last_activity_at:last_activity_at:operational', 'enriched_at:enriched_at:operational',
  'linkedin_url:linkedin_link_primary_link_url:operational', 'employees:employees:operational',
  'company_size:company_size:operational', 'industry:industry:operational');

CREATE TRIGGER audit AFTER INSERT OR UPDATE ON opportunities FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_deals', 'stage_id:stage_id:strategic', 'priority:priority:strategic',
  'strategy_note:strategy_note:strategic', 'recontact_at:recontact_at:strategic',
  'amount_micros:amount_amount_micros:strategic', 'currency_code:amount_currency_code:strategic',
  'close_date:close_date:strategic', 'owner_id:owner_id:strategic',
  'last_activity_at:last_activity_at:operational');

-- New deals go to the end of their stage.
CREATE FUNCTION redkey_deal_position() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  NEW.position := coalesce((SELECT max(position) + 1 FROM opportunities
                            WHERE stage_id = NEW.stage_id AND deleted_at IS NULL), 0);
  RETURN NEW;
END
$$;
CREATE TRIGGER deal_position BEFORE INSERT ON opportunities
  FOR EACH ROW EXECUTE FUNCTION redkey_deal_position();
