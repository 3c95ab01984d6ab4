-- Activities (the timeline arlo logs: email, meetings, calls) of an
-- attached client. They are RedKey's rows, as for every client, but they
-- point at Twenty's records, so they live in a table of the adapter's own
-- without the main table's foreign keys into RedKey's people, companies
-- and deals. A trigger checks each reference against the client's
-- workspace instead, and moves the last activity kept beside Twenty's rows.

SET LOCAL ROLE redkey_owner;

CREATE TABLE redkey_twenty.activities
  (LIKE public.activities INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
ALTER TABLE redkey_twenty.activities
  ADD FOREIGN KEY (workspace_id) REFERENCES workspaces (id);

-- One check for every adapter table that points at Twenty's records: each
-- of person_id, company_id and opportunity_id the row has and sets must
-- be a live row of the client's workspace.
CREATE FUNCTION redkey_twenty.references_in_workspace() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  row jsonb := to_jsonb(NEW);
  ws text;
  found boolean;
  r record;
BEGIN
  SELECT workspace_schema INTO ws FROM redkey_twenty.attachments WHERE workspace_id = NEW.workspace_id;
  FOR r IN SELECT v.tab, (row ->> v.col)::uuid AS ref
           FROM (VALUES ('person', 'person_id'), ('company', 'company_id'),
                        ('opportunity', 'opportunity_id')) v(tab, col)
           WHERE row ->> v.col IS NOT NULL LOOP
    found := false;
    IF ws IS NOT NULL THEN
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE id = $1 AND "deletedAt" IS NULL)',
                     ws, r.tab) INTO found USING r.ref;
    END IF;
    IF NOT found THEN
      RAISE EXCEPTION 'no such % in this workspace', r.tab
        USING ERRCODE = '23503', CONSTRAINT = format('%s_%s_fkey', TG_TABLE_NAME, r.tab);
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.references_in_workspace() FROM PUBLIC;
CREATE TRIGGER references_in_workspace
  BEFORE INSERT OR UPDATE OF person_id, company_id, opportunity_id ON redkey_twenty.activities
  FOR EACH ROW EXECUTE FUNCTION redkey_twenty.references_in_workspace();

-- As redkey_activity_touches: an activity moves its records' last activity
-- forward (a future one, a meeting ahead, does not yet).
CREATE FUNCTION redkey_twenty.activity_touches() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
BEGIN
  IF NEW.deleted_at IS NOT NULL OR NEW.happens_at > now() THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('redkey.client_id', NEW.workspace_id::text, true);
  IF NEW.person_id IS NOT NULL THEN
    INSERT INTO redkey_twenty.person_ext AS e (workspace_id, id, last_activity_at)
    VALUES (NEW.workspace_id, NEW.person_id, NEW.happens_at)
    ON CONFLICT (workspace_id, id) DO UPDATE SET last_activity_at = EXCLUDED.last_activity_at
    WHERE e.last_activity_at IS NULL OR e.last_activity_at < EXCLUDED.last_activity_at;
  END IF;
  IF NEW.company_id IS NOT NULL THEN
    INSERT INTO redkey_twenty.company_ext AS e (workspace_id, id, last_activity_at)
    VALUES (NEW.workspace_id, NEW.company_id, NEW.happens_at)
    ON CONFLICT (workspace_id, id) DO UPDATE SET last_activity_at = EXCLUDED.last_activity_at
    WHERE e.last_activity_at IS NULL OR e.last_activity_at < EXCLUDED.last_activity_at;
  END IF;
  IF NEW.opportunity_id IS NOT NULL THEN
    INSERT INTO redkey_twenty.opportunity_ext AS e (workspace_id, id, last_activity_at)
    VALUES (NEW.workspace_id, NEW.opportunity_id, NEW.happens_at)
    ON CONFLICT (workspace_id, id) DO UPDATE SET last_activity_at = EXCLUDED.last_activity_at
    WHERE e.last_activity_at IS NULL OR e.last_activity_at < EXCLUDED.last_activity_at;
  END IF;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.activity_touches() FROM PUBLIC;
CREATE TRIGGER touches AFTER INSERT OR UPDATE OF happens_at, person_id, company_id,
  opportunity_id, deleted_at ON redkey_twenty.activities
  FOR EACH ROW EXECUTE FUNCTION redkey_twenty.activity_touches();
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON redkey_twenty.activities
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();

-- The main view's definition, over this table (it pins no Twenty column,
-- so it is not regenerated around upgrades).
CREATE VIEW redkey_twenty.crm_activities AS
SELECT id, workspace_id AS client_id, kind, subject, body, happens_at,
       person_id AS contact_id, company_id, opportunity_id AS deal_id,
       properties, external_key, created_by_source, created_at
FROM redkey_twenty.activities
WHERE deleted_at IS NULL AND workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

SELECT redkey_grant_views('redkey_twenty');
RESET ROLE;
SELECT redkey_isolate('redkey_twenty.activities');
