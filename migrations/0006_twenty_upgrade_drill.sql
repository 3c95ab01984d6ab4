-- The Twenty-upgrade drill, kept as a real migration: an upstream schema
-- change renames one layer-1 column and changes another's type. The type
-- change cannot happen under a dependent view, so crm_contacts is dropped
-- and recreated with the same columns, the audit trigger learns the new
-- column name, and the one grant routine restores exactly the privileges
-- there were. Application code does not change.

SET LOCAL ROLE redkey_owner;

DROP VIEW crm_contacts;

ALTER TABLE people RENAME COLUMN linkedin_link_primary_link_url TO linkedin_link_url;
ALTER TABLE people ALTER COLUMN emails_primary_email TYPE varchar(320);

CREATE VIEW crm_contacts AS
SELECT id, workspace_id AS client_id,
       name_first_name AS first_name, name_last_name AS last_name,
       emails_primary_email AS email, phones_primary_phone_number AS phone,
       job_title, city, company_id,
       priority, relationship_note, strategy_note, recontact_at,
       last_activity_at, enriched_at, email_thread_count, open_count,
       linkedin_link_url AS linkedin_url, sequence_step, sequence_enrolled_at,
       created_by_source, created_at, updated_at
FROM people
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

DROP TRIGGER audit ON people;
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION redkey_audit(
  'crm_contacts', 'priority:priority:strategic', 'relationship_note:relationship_note:strategic',
  'strategy_note:strategy_note:strategic', 'recontact_at:recontact_at:strategic',
  'last_activity_at:last_activity_at:operational', 'enriched_at:enriched_at:operational',
  'email_thread_count:email_thread_count:operational', 'open_count:open_count:operational',
  'linkedin_url:linkedin_link_url:operational',
  'sequence_step:sequence_step:operational', 'sequence_enrolled_at:sequence_enrolled_at:operational');

SELECT redkey_apply_grants();
