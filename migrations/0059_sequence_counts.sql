-- Sequence funnels at scale. The Sequences page and Today's funnels joined
-- every send to every stored Resend event on each load (at the
-- benchmark's size, tens of thousands of each). Each sequence's numbers
-- are now kept: enrolled, active, replied and unsubscribed from its
-- enrolments; sent from its sends; opened, clicked and bounced as the
-- sends with at least one such event. Statement triggers on the
-- enrolments, the sends and the events keep them (the main tables here,
-- the Twenty adapter's copies in its migration 16), so every writer —
-- arlo, the webhook, an erasure, a restore — moves them. An event that
-- comes before its send knows its provider id counts when the id is set.

SET LOCAL ROLE redkey_owner;

CREATE TABLE sequence_counts (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  sequence_id uuid NOT NULL,
  measure text NOT NULL CHECK (measure IN ('enrolled', 'active', 'replied', 'unsubscribed',
                                           'sent', 'opened', 'clicked', 'bounced')),
  n bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, sequence_id, measure)
);

-- Finds a send's events by its provider id. A column, not an index on the
-- expression: under row security Postgres applies a condition that is not
-- leakproof (the JSON operators) only after the client's own, so an
-- expression index would read every event of the client for each send.
ALTER TABLE email_events
  ADD COLUMN email_id text GENERATED ALWAYS AS (payload -> 'data' ->> 'email_id') STORED;
CREATE INDEX email_events_email ON email_events (workspace_id, email_id, type);

-- Adds one client's deltas; row security follows the rows' own client.
CREATE FUNCTION redkey_add_sequence_counts(p_ws uuid, p_seqs uuid[], p_measures text[],
                                           p_delta integer[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  INSERT INTO sequence_counts AS t (workspace_id, sequence_id, measure, n)
  SELECT p_ws, u.s, u.m, sum(u.d) FROM unnest(p_seqs, p_measures, p_delta) AS u (s, m, d)
  GROUP BY 2, 3 HAVING sum(u.d) <> 0 ORDER BY 2, 3
  ON CONFLICT (workspace_id, sequence_id, measure) DO UPDATE SET n = t.n + EXCLUDED.n;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_add_sequence_counts(uuid, uuid[], text[], integer[]) FROM PUBLIC;

-- What an enrolment counts towards.
CREATE FUNCTION redkey_enrolment_measures(p_status text, p_stop_reason text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT array_remove(ARRAY['enrolled',
    CASE WHEN p_status = 'active' THEN 'active' END,
    CASE WHEN p_status = 'replied' THEN 'replied' END,
    CASE WHEN p_stop_reason IN ('unsubscribed', 'complained') THEN 'unsubscribed' END], NULL);
$$;

-- What a send counts towards: sent, and each kind of event it has had.
-- Read in the send's own client (the caller sets it) and the schema of
-- its table's enrolments.
CREATE FUNCTION redkey_send_measures(p_ws uuid, p_status text, p_provider_id text) RETURNS text[]
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT CASE WHEN p_status = 'sent' THEN ARRAY['sent'] ELSE '{}' END
    || coalesce((SELECT array_agg(DISTINCT replace(v.type, 'email.', '')) FROM email_events v
                 WHERE p_provider_id IS NOT NULL AND v.workspace_id = p_ws
                   AND v.email_id = p_provider_id
                   AND v.type IN ('email.opened', 'email.clicked', 'email.bounced')), '{}');
$$;

-- Enrolments: statement triggers (one event each, as transition tables
-- need), one function; a branch names only its own transition tables.
CREATE FUNCTION redkey_count_enrolments() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM redkey_add_sequence_counts(r.workspace_id, array_agg(r.sequence_id), array_agg(m),
                                       array_agg(1))
    FROM new_rows r, unnest(redkey_enrolment_measures(r.status, r.stop_reason)) AS m
    GROUP BY r.workspace_id ORDER BY r.workspace_id;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM redkey_add_sequence_counts(r.workspace_id, array_agg(r.sequence_id), array_agg(m),
                                       array_agg(-1))
    FROM old_rows r, unnest(redkey_enrolment_measures(r.status, r.stop_reason)) AS m
    GROUP BY r.workspace_id ORDER BY r.workspace_id;
  ELSE
    -- Each changed row takes back what it counted and counts anew.
    PERFORM redkey_add_sequence_counts(x.w, array_agg(x.s), array_agg(m), array_agg(x.d))
    FROM old_rows o JOIN new_rows n ON n.id = o.id,
         LATERAL (VALUES (o.workspace_id, o.sequence_id, o.status, o.stop_reason, -1),
                         (n.workspace_id, n.sequence_id, n.status, n.stop_reason, 1))
           AS x (w, s, status, stop_reason, d),
         unnest(redkey_enrolment_measures(x.status, x.stop_reason)) AS m
    WHERE (o.workspace_id, o.sequence_id, o.status, o.stop_reason)
          IS DISTINCT FROM (n.workspace_id, n.sequence_id, n.status, n.stop_reason)
    GROUP BY x.w ORDER BY x.w;
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_count_enrolments() FROM PUBLIC;

-- Sends: the sequence is the enrolment's, in the sends table's own schema
-- (the main one or the adapter's), read under each send's client.
CREATE FUNCTION redkey_count_sends() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  changed text;
  ws uuid;
BEGIN
  changed := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT workspace_id, enrollment_id, status, provider_id, 1 AS d FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT workspace_id, enrollment_id, status, provider_id, -1 AS d FROM old_rows'
    ELSE 'SELECT x.* FROM old_rows o JOIN new_rows n ON n.id = o.id, '
         'LATERAL (VALUES (o.workspace_id, o.enrollment_id, o.status, o.provider_id, -1), '
         '                (n.workspace_id, n.enrollment_id, n.status, n.provider_id, 1)) '
         '  AS x (workspace_id, enrollment_id, status, provider_id, d) '
         'WHERE (o.workspace_id, o.enrollment_id, o.status, o.provider_id) '
         '  IS DISTINCT FROM (n.workspace_id, n.enrollment_id, n.status, n.provider_id)'
  END;
  FOR ws IN EXECUTE format('SELECT DISTINCT workspace_id FROM (%s) c ORDER BY 1', changed) LOOP
    PERFORM set_config('redkey.client_id', ws::text, true);
    EXECUTE format(
      'SELECT redkey_add_sequence_counts($1, array_agg(e.sequence_id), array_agg(m), array_agg(c.d)) '
      'FROM (%s) c JOIN %I.sequence_contacts e ON e.workspace_id = c.workspace_id AND e.id = c.enrollment_id, '
      '     unnest(redkey_send_measures(c.workspace_id, c.status, c.provider_id)) AS m '
      'WHERE c.workspace_id = $1 HAVING count(*) > 0', changed, TG_TABLE_SCHEMA)
    USING ws;
  END LOOP;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_count_sends() FROM PUBLIC;

-- Events: a send's first event of a kind counts it, its last one gone
-- uncounts it. The send is looked for in the main table and the adapter's,
-- each by its provider-id index.
CREATE FUNCTION redkey_count_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT workspace_id, email_id AS email, type, 1 AS d FROM new_rows'
    ELSE 'SELECT workspace_id, email_id AS email, type, -1 AS d FROM old_rows' END;
  ws uuid;
  schema text;
BEGIN
  FOR ws IN EXECUTE format(
      'SELECT DISTINCT workspace_id FROM (%s) c '
      'WHERE type IN (''email.opened'', ''email.clicked'', ''email.bounced'') ORDER BY 1', changed) LOOP
    PERFORM set_config('redkey.client_id', ws::text, true);
    FOREACH schema IN ARRAY ARRAY['public', 'redkey_twenty'] LOOP
      CONTINUE WHEN to_regclass(format('%I.email_sends', schema)) IS NULL;
      -- An (email, kind) the statement changed whose events now number
      -- exactly those it inserted (the first) or none (the last deleted).
      EXECUTE format(
        'WITH c AS (SELECT email, type, d, count(*) AS k FROM (%s) c '
        '           WHERE workspace_id = $1 AND email IS NOT NULL '
        '             AND type IN (''email.opened'', ''email.clicked'', ''email.bounced'') '
        '           GROUP BY email, type, d) '
        'SELECT redkey_add_sequence_counts($1, array_agg(e.sequence_id), '
        '         array_agg(replace(c.type, ''email.'', '''')), array_agg(c.d)) '
        'FROM c JOIN %I.email_sends s ON s.workspace_id = $1 AND s.provider_id = c.email '
        'JOIN %I.sequence_contacts e ON e.workspace_id = $1 AND e.id = s.enrollment_id '
        'WHERE (SELECT count(*) FROM email_events v WHERE v.workspace_id = $1 '
        '         AND v.email_id = c.email AND v.type = c.type) '
        '      = CASE WHEN c.d > 0 THEN c.k ELSE 0 END '
        'HAVING count(*) > 0', changed, schema, schema)
      USING ws;
    END LOOP;
  END LOOP;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_count_events() FROM PUBLIC;

-- Attaches the triggers to a schema's enrolments and sends (the main ones
-- here; the adapter's from its own migration).
CREATE FUNCTION redkey_count_sequences_in(p_schema text) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES ('sequence_contacts', 'redkey_count_enrolments'),
                                 ('email_sends', 'redkey_count_sends')) v (tab, fn) LOOP
    EXECUTE format('CREATE TRIGGER count_insert AFTER INSERT ON %I.%I REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION public.%I()', p_schema, t.tab, t.fn);
    EXECUTE format('CREATE TRIGGER count_update AFTER UPDATE ON %I.%I '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION public.%I()', p_schema, t.tab, t.fn);
    EXECUTE format('CREATE TRIGGER count_delete AFTER DELETE ON %I.%I REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION public.%I()', p_schema, t.tab, t.fn);
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION redkey_count_sequences_in(text) FROM PUBLIC;
SELECT redkey_count_sequences_in('public');

CREATE TRIGGER count_insert AFTER INSERT ON email_events REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION redkey_count_events();
CREATE TRIGGER count_delete AFTER DELETE ON email_events REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION redkey_count_events();

-- Counts one client's sequences again from its rows, in both schemas.
CREATE FUNCTION redkey_recount_sequences(p_ws uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  schema text;
BEGIN
  PERFORM set_config('redkey.client_id', p_ws::text, true);
  DELETE FROM sequence_counts WHERE workspace_id = p_ws;
  FOREACH schema IN ARRAY ARRAY['public', 'redkey_twenty'] LOOP
    CONTINUE WHEN to_regclass(format('%I.email_sends', schema)) IS NULL;
    EXECUTE format(
      'SELECT redkey_add_sequence_counts($1, array_agg(sequence_id), array_agg(m), array_agg(1)) '
      'FROM (SELECT e.sequence_id, m FROM %1$I.sequence_contacts e, '
      '        unnest(redkey_enrolment_measures(e.status, e.stop_reason)) AS m WHERE e.workspace_id = $1 '
      '      UNION ALL '
      '      SELECT e.sequence_id, m FROM %1$I.email_sends s '
      '      JOIN %1$I.sequence_contacts e ON e.workspace_id = s.workspace_id AND e.id = s.enrollment_id, '
      '        unnest(redkey_send_measures(s.workspace_id, s.status, s.provider_id)) AS m '
      '      WHERE s.workspace_id = $1) x HAVING count(*) > 0', schema)
    USING p_ws;
  END LOOP;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
END
$$;
REVOKE ALL ON FUNCTION redkey_recount_sequences(uuid) FROM PUBLIC;

CREATE VIEW crm_sequence_counts AS
SELECT workspace_id AS client_id, sequence_id, measure, n
FROM sequence_counts
WHERE workspace_id = redkey_client_id() AND n <> 0;

RESET ROLE;

SELECT redkey_isolate('sequence_counts');
SELECT redkey_recount_sequences(id) FROM workspaces;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_sequence_counts', 'client_id', 'system', false, false),
  ('crm_sequence_counts', 'sequence_id', 'system', false, false),
  ('crm_sequence_counts', 'measure', 'system', false, false),
  ('crm_sequence_counts', 'n', 'system', false, false);
SELECT redkey_apply_grants();
