-- The Today page shows the replies received since a person's last visit to
-- it, per client. A visit is a load of the page; loads within half an hour
-- of the previous one are the same visit (a refresh, an accepted
-- suggestion), so what was new stays shown while the founder works on it.

SET LOCAL ROLE redkey_owner;

CREATE TABLE today_visits (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- The latest load of the page.
  seen_at timestamptz NOT NULL,
  -- Where "since your last visit" starts for the visit under way; none on
  -- a person's first visit.
  since timestamptz,
  PRIMARY KEY (workspace_id, user_id)
);

-- Records a load of the page by the transaction's person and returns
-- where "since your last visit" starts.
CREATE FUNCTION crm_visit_today() RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ws uuid := redkey_client_id();
  uid uuid := NULLIF(current_setting('redkey.user_id', true), '')::uuid;
  started timestamptz;
BEGIN
  IF ws IS NULL OR uid IS NULL THEN
    RAISE EXCEPTION 'only a signed-in person visits Today' USING ERRCODE = 'insufficient_privilege';
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

RESET ROLE;

SELECT redkey_isolate('today_visits');

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_visit_today()', 'redkey_human');
SELECT redkey_apply_grants();
