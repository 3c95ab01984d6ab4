-- Today at load. Each load of the page wrote its person's visit row, and
-- held that row's lock to the end of the page's transaction: a person's
-- concurrent loads (two tabs, a double click, the benchmark's
-- connections) queued behind one another, and the row's versions piled
-- up. A load within a minute of the recorded one now only reads it: the
-- visit is the same (a visit ends after half an hour without a load), so
-- where "since your last visit" starts is unchanged. And the recontacts
-- due read every contact and deal of the client: indexes of the dates
-- set.

SET LOCAL ROLE redkey_owner;

CREATE OR REPLACE FUNCTION crm_visit_today() RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ws uuid := redkey_client_id();
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  seen timestamptz;
  started timestamptz;
BEGIN
  IF ws IS NULL OR uid IS NULL THEN
    RAISE EXCEPTION 'only a signed-in person visits Today' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT v.seen_at, v.since INTO seen, started FROM today_visits v
  WHERE v.workspace_id = ws AND v.user_id = uid;
  IF seen >= now() - interval '1 minute' THEN
    RETURN started;
  END IF;
  INSERT INTO today_visits AS v (workspace_id, user_id, seen_at, since)
  VALUES (ws, uid, now(), NULL)
  ON CONFLICT (workspace_id, user_id) DO UPDATE
  SET since = CASE WHEN v.seen_at < now() - interval '30 minutes' THEN v.seen_at ELSE v.since END,
      seen_at = now()
  RETURNING since INTO started;
  RETURN started;
END
$$;

CREATE INDEX people_recontact ON people (workspace_id, recontact_at)
  WHERE deleted_at IS NULL AND recontact_at IS NOT NULL;
CREATE INDEX opportunities_recontact ON opportunities (workspace_id, recontact_at)
  WHERE deleted_at IS NULL AND recontact_at IS NOT NULL;

RESET ROLE;
