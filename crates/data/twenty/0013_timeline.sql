-- Twenty's Timeline tab is built from its `timelineActivity` rows, which
-- Twenty's app writes as it changes a record. A change RedKey makes
-- through the adapter bypasses that app, so a Twenty user would see the
-- record change with no event for it. A trigger on Twenty's person,
-- company and opportunity tables (made and dropped with the adapter's
-- views; it changes no Twenty column) writes the events Twenty's app
-- would: `<object>.created` with the record's fields, `<object>.updated`
-- with the diff of the fields that changed, `<object>.deleted` and
-- `.restored`. Fields are Twenty's: a composite field's subfields go
-- together (`amount`: `amountMicros`, `currencyCode`). Only changes made
-- through our roles are written; Twenty's own are Twenty's to record, and
-- a reorder on the board (position only) is no event.

SET LOCAL ROLE redkey_owner;

-- A Twenty row's fields as Twenty's events name them.
CREATE FUNCTION redkey_twenty.twenty_fields(p_row jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  composites constant text[] := ARRAY['name', 'emails', 'phones', 'linkedinLink', 'xLink',
                                      'amount', 'address', 'domainName',
                                      'annualRecurringRevenue', 'bodyV2'];
  result jsonb := '{}';
  k text;
  v jsonb;
  p text;
  field text;
  sub text;
BEGIN
  FOR k, v IN SELECT e.key, e.value FROM jsonb_each(p_row) e LOOP
    CONTINUE WHEN k IN ('id', 'createdAt', 'updatedAt', 'deletedAt', 'position', 'searchVector')
      OR k LIKE 'createdBy%' OR k LIKE 'updatedBy%';
    field := k;
    sub := NULL;
    FOREACH p IN ARRAY composites LOOP
      IF k <> p AND left(k, length(p)) = p AND substr(k, length(p) + 1, 1) ~ '[A-Z]' THEN
        field := p;
        sub := lower(substr(k, length(p) + 1, 1)) || substr(k, length(p) + 2);
        EXIT;
      END IF;
    END LOOP;
    IF sub IS NULL THEN
      result := result || jsonb_build_object(field, v);
    ELSE
      result := result || jsonb_build_object(field,
                  coalesce(result -> field, '{}'::jsonb) || jsonb_build_object(sub, v));
    END IF;
  END LOOP;
  RETURN result;
END
$$;

-- The one argument is Twenty's object name (person, company, opportunity).
CREATE FUNCTION redkey_twenty.timeline_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  object text := TG_ARGV[0];
  timeline regclass := to_regclass(format('%I.%I', TG_TABLE_SCHEMA, 'timelineActivity'));
  target text;
  before jsonb;
  after jsonb;
  diff jsonb := '{}';
  f text;
  event text;
  props jsonb;
BEGIN
  IF TG_OP = 'DELETE' OR timeline IS NULL
     OR current_setting('role') NOT IN ('redkey_human', 'redkey_agent', 'redkey_engine')
     -- A board's renumbering: nothing a timeline shows.
     OR (TG_OP = 'UPDATE' AND to_jsonb(OLD) - 'position' - 'updatedAt'
                              = to_jsonb(NEW) - 'position' - 'updatedAt') THEN
    RETURN NULL;
  END IF;
  after := redkey_twenty.twenty_fields(to_jsonb(NEW));
  IF TG_OP = 'INSERT' THEN
    event := object || '.created';
    props := jsonb_build_object('after', after);
  ELSIF (to_jsonb(OLD) ->> 'deletedAt') IS DISTINCT FROM (to_jsonb(NEW) ->> 'deletedAt') THEN
    event := object || CASE WHEN to_jsonb(NEW) ->> 'deletedAt' IS NULL THEN '.restored'
                            ELSE '.deleted' END;
    props := jsonb_build_object('after', after);
  ELSE
    before := redkey_twenty.twenty_fields(to_jsonb(OLD));
    FOR f IN SELECT jsonb_object_keys(after) LOOP
      IF before -> f IS DISTINCT FROM after -> f THEN
        diff := diff || jsonb_build_object(f, jsonb_build_object('before', before -> f,
                                                                 'after', after -> f));
      END IF;
    END LOOP;
    IF diff = '{}'::jsonb THEN
      RETURN NULL;
    END IF;
    event := object || '.updated';
    props := jsonb_build_object('diff', diff);
  END IF;
  -- Newer Twenty versions name the record columns target<Object>Id.
  SELECT a.attname INTO target FROM pg_attribute a
  WHERE a.attrelid = timeline AND NOT a.attisdropped
    AND a.attname IN ('target' || initcap(object) || 'Id', object || 'Id')
  ORDER BY a.attname LIKE 'target%' DESC LIMIT 1;
  IF target IS NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE format('INSERT INTO %s (name, properties, "linkedRecordCachedName", "linkedRecordId", %I)
                  VALUES ($1, $2, '''', $3, $3)', timeline, target)
    USING event, props, NEW.id;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.timeline_event() FROM PUBLIC;

RESET ROLE;
