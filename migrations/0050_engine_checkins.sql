-- Which engines serve this database, and when each last checked in. A
-- runner serving many databases checks in to each of them, so a client's
-- Arlo page shows arlo stopped for its database even when its cockpit runs
-- apart from the runner, with its own engine off.

SET LOCAL ROLE redkey_owner;

CREATE TABLE engine_checkins (
  instance text PRIMARY KEY CHECK (length(instance) BETWEEN 1 AND 200),
  started_at timestamptz NOT NULL,
  checked_in_at timestamptz NOT NULL DEFAULT now(),
  version text NOT NULL CHECK (length(version) <= 40)
);

-- Records a check-in; instances silent for a week are forgotten.
CREATE FUNCTION engine_check_in(p_instance text, p_version text, p_started timestamptz)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO engine_checkins (instance, started_at, checked_in_at, version)
  VALUES (p_instance, p_started, now(), p_version)
  ON CONFLICT (instance) DO UPDATE
    SET started_at = excluded.started_at, checked_in_at = now(), version = excluded.version;
  DELETE FROM engine_checkins WHERE checked_in_at < now() - interval '7 days';
$$;
REVOKE ALL ON FUNCTION engine_check_in(text, text, timestamptz) FROM PUBLIC;

-- Engines serve every client of the database; like every view, it shows
-- nothing until a client is chosen.
CREATE VIEW crm_engine_checkins AS
SELECT instance, started_at, checked_in_at, version
FROM engine_checkins
WHERE redkey_client_id() IS NOT NULL;

RESET ROLE;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_engine_checkins', 'instance', 'system', false, false),
  ('crm_engine_checkins', 'started_at', 'system', false, false),
  ('crm_engine_checkins', 'checked_in_at', 'system', false, false),
  ('crm_engine_checkins', 'version', 'system', false, false);
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('engine_check_in(text,text,timestamp with time zone)', 'redkey_engine');
SELECT redkey_apply_grants();
