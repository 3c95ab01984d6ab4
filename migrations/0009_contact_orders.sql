-- Keyset orders of the contacts table besides the name order (0001):
-- recent activity (never-active contacts last) and newest first.
--
-- Behind forced RLS the planner only takes leakproof comparisons of plain
-- columns as index bounds; a row comparison on coalesce(last_activity_at,
-- ...) stays a filter and deep pages walk the index from the top. So the
-- activity order is a stored generated column, exposed read-only.
SET LOCAL ROLE redkey_owner;

ALTER TABLE people ADD COLUMN activity_order timestamptz
  GENERATED ALWAYS AS (coalesce(last_activity_at, '-infinity')) STORED;
CREATE INDEX people_activity_order ON people (workspace_id, activity_order, id)
  WHERE deleted_at IS NULL;
CREATE INDEX people_created_order ON people (workspace_id, created_at, id)
  WHERE deleted_at IS NULL;

CREATE OR REPLACE VIEW crm_contacts AS
SELECT id, workspace_id AS client_id,
       name_first_name AS first_name, name_last_name AS last_name,
       emails_primary_email AS email, phones_primary_phone_number AS phone,
       job_title, city, company_id,
       priority, relationship_note, strategy_note, recontact_at,
       last_activity_at, enriched_at, email_thread_count, open_count,
       linkedin_link_url AS linkedin_url, sequence_step, sequence_enrolled_at,
       created_by_source, created_at, updated_at, activity_order
FROM people
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_contacts', 'activity_order', 'system', false, false);
SELECT redkey_apply_grants();
