-- Today's charts at scale. The weekly activity chart counted every email,
-- reply and meeting of the last twelve weeks on each load (at the
-- benchmark's size, hundreds of thousands of rows). The counts are now
-- kept per client, kind and day in the client's time zone, by statement
-- triggers on the activities table (so imports, restores and other
-- applications' rows stay counted, and a bulk insert costs one upsert per
-- day and kind, not one per row), and re-counted when the zone changes.
-- The won and lost history reads the stage moves from an index of their
-- own instead of the whole audit trail.

SET LOCAL ROLE redkey_owner;

CREATE TABLE activity_days (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  kind text NOT NULL,
  -- The day the activity happens on, in the client's time zone.
  day date NOT NULL,
  n bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, kind, day)
);

-- Adds one client's deltas. Row security follows the rows' own client,
-- whoever writes them (an owner's restore has none set).
CREATE FUNCTION redkey_add_activity_days(p_ws uuid, p_kinds text[], p_at timestamptz[],
                                         p_delta integer[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  tz text;
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  SELECT time_zone INTO tz FROM client_schedules WHERE workspace_id = p_ws;
  -- Sorted, so concurrent writers lock the counters in one order.
  INSERT INTO activity_days AS t (workspace_id, kind, day, n)
  SELECT p_ws, u.k, (u.a AT TIME ZONE coalesce(tz, 'UTC'))::date, sum(u.d)
  FROM unnest(p_kinds, p_at, p_delta) AS u (k, a, d)
  GROUP BY 2, 3 HAVING sum(u.d) <> 0 ORDER BY 2, 3
  ON CONFLICT (workspace_id, kind, day) DO UPDATE SET n = t.n + EXCLUDED.n;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_add_activity_days(uuid, text[], timestamptz[], integer[]) FROM PUBLIC;

-- One function for the three statement triggers (a trigger with
-- transition tables has one event); each branch names only its own.
CREATE FUNCTION redkey_count_activity_days() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM redkey_add_activity_days(workspace_id, array_agg(kind), array_agg(happens_at),
                                     array_agg(1))
    FROM new_rows WHERE deleted_at IS NULL GROUP BY workspace_id ORDER BY workspace_id;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM redkey_add_activity_days(workspace_id, array_agg(kind), array_agg(happens_at),
                                     array_agg(-1))
    FROM old_rows WHERE deleted_at IS NULL GROUP BY workspace_id ORDER BY workspace_id;
  ELSE
    -- Each changed row leaves its old day (if it counted) and joins its new one.
    PERFORM redkey_add_activity_days(x.w, array_agg(x.k), array_agg(x.a), array_agg(x.d))
    FROM old_rows o JOIN new_rows n ON n.id = o.id,
         LATERAL (VALUES (o.workspace_id, o.kind, o.happens_at, o.deleted_at IS NULL, -1),
                         (n.workspace_id, n.kind, n.happens_at, n.deleted_at IS NULL, 1))
           AS x (w, k, a, live, d)
    WHERE x.live
      AND (o.workspace_id, o.kind, o.happens_at, o.deleted_at IS NULL)
          IS DISTINCT FROM (n.workspace_id, n.kind, n.happens_at, n.deleted_at IS NULL)
    GROUP BY x.w ORDER BY x.w;
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_count_activity_days() FROM PUBLIC;

CREATE TRIGGER count_activity_days_insert AFTER INSERT ON activities
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION redkey_count_activity_days();
CREATE TRIGGER count_activity_days_update AFTER UPDATE ON activities
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION redkey_count_activity_days();
CREATE TRIGGER count_activity_days_delete AFTER DELETE ON activities
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION redkey_count_activity_days();

-- Counts one client's days again from its rows (an attached client's
-- activities live in the Twenty adapter's table, when there is one).
CREATE FUNCTION redkey_recount_activity_days(p_ws uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  tz text;
  source text;
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  SELECT time_zone INTO tz FROM client_schedules WHERE workspace_id = p_ws;
  DELETE FROM activity_days WHERE workspace_id = p_ws;
  FOREACH source IN ARRAY ARRAY['public.activities', 'redkey_twenty.activities'] LOOP
    CONTINUE WHEN to_regclass(source) IS NULL;
    EXECUTE format(
      'INSERT INTO activity_days AS t (workspace_id, kind, day, n) '
      'SELECT $1, kind, (happens_at AT TIME ZONE $2)::date, count(*) FROM %s '
      'WHERE workspace_id = $1 AND deleted_at IS NULL GROUP BY 2, 3 '
      'ON CONFLICT (workspace_id, kind, day) DO UPDATE SET n = t.n + EXCLUDED.n', source)
    USING p_ws, coalesce(tz, 'UTC');
  END LOOP;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_recount_activity_days(uuid) FROM PUBLIC;

CREATE FUNCTION redkey_zone_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.time_zone IS DISTINCT FROM (CASE WHEN TG_OP = 'UPDATE' THEN OLD.time_zone ELSE 'UTC' END)
  THEN
    PERFORM redkey_recount_activity_days(NEW.workspace_id);
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_zone_changed() FROM PUBLIC;

CREATE TRIGGER recount_activity_days AFTER INSERT OR UPDATE OF time_zone ON client_schedules
  FOR EACH ROW EXECUTE FUNCTION redkey_zone_changed();

CREATE VIEW crm_activity_days AS
SELECT workspace_id AS client_id, kind, day, n AS activities
FROM activity_days
WHERE workspace_id = redkey_client_id() AND n <> 0;

CREATE INDEX field_changes_stage_moves ON field_changes (workspace_id, changed_at)
  INCLUDE (row_id, new_value) WHERE view_name = 'crm_deals' AND column_name = 'stage_id';

RESET ROLE;

SELECT redkey_isolate('activity_days');
SELECT redkey_recount_activity_days(id) FROM workspaces;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_activity_days', 'client_id', 'system', false, false),
  ('crm_activity_days', 'kind', 'system', false, false),
  ('crm_activity_days', 'day', 'system', false, false),
  ('crm_activity_days', 'activities', 'system', false, false);
SELECT redkey_apply_grants();
