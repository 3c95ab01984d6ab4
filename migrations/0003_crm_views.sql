-- The stable views. Single-table views are auto-updatable, filtered to the
-- transaction's client, and WITH CASCADED CHECK OPTION so no write through
-- them can leave that client. They are owned by redkey_owner, a plain role
-- that forced row-level security still applies to.

SET LOCAL ROLE redkey_owner;

CREATE VIEW crm_clients AS
SELECT id, slug, name, created_at
FROM workspaces
WHERE id = NULLIF(current_setting('redkey.client_id', true), '')::uuid;

CREATE VIEW crm_members AS
SELECT id, workspace_id AS client_id, name_first_name AS first_name, name_last_name AS last_name,
       user_email AS email, user_id
FROM workspace_members
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid;

CREATE VIEW crm_contacts AS
SELECT id, workspace_id AS client_id,
       name_first_name AS first_name, name_last_name AS last_name,
       emails_primary_email AS email, phones_primary_phone_number AS phone,
       job_title, city, company_id,
       priority, relationship_note, strategy_note, recontact_at,
       last_activity_at, enriched_at, email_thread_count, open_count,
       linkedin_link_primary_link_url AS linkedin_url, sequence_step, sequence_enrolled_at,
       created_by_source, created_at, updated_at
FROM people
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_companies AS
SELECT id, workspace_id AS client_id, name,
       domain_name_primary_link_url AS domain, address_address_city AS city,
       address_address_country AS country,
       priority, strategy_note, account_owner_id, ideal_customer_profile,
       last_activity_at, enriched_at, linkedin_link_primary_link_url AS linkedin_url,
       employees, company_size, industry,
       created_by_source, created_at, updated_at
FROM companies
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_deals AS
SELECT id, workspace_id AS client_id, name,
       pipeline_id, stage_id, position, stage_changed_at,
       amount_amount_micros AS amount_micros, amount_currency_code AS currency_code,
       close_date, owner_id, priority, strategy_note, recontact_at,
       point_of_contact_id AS contact_id, company_id,
       last_activity_at,
       created_by_source, created_at, updated_at
FROM opportunities
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_activities AS
SELECT id, workspace_id AS client_id, kind, subject, body, happens_at,
       person_id AS contact_id, company_id, opportunity_id AS deal_id,
       properties, external_key, created_by_source, created_at
FROM activities
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_notes AS
SELECT id, workspace_id AS client_id, title, body_v2_markdown AS body_markdown,
       created_by_source, created_at, updated_at
FROM notes
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_note_targets AS
SELECT id, workspace_id AS client_id, note_id, target_person_id AS contact_id,
       target_company_id AS company_id, target_opportunity_id AS deal_id, created_at
FROM note_targets
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_attachments AS
SELECT id, workspace_id AS client_id, name, full_path, file_category,
       created_by_source, created_at, updated_at
FROM attachments
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_attachment_targets AS
SELECT id, workspace_id AS client_id, attachment_id, target_person_id AS contact_id,
       target_company_id AS company_id, target_opportunity_id AS deal_id, created_at
FROM attachment_targets
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_sequences AS
SELECT id, workspace_id AS client_id, name, steps, created_at, updated_at
FROM sequences
WHERE deleted_at IS NULL
  AND workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_sequence_contacts AS
SELECT id, workspace_id AS client_id, sequence_id, person_id AS contact_id,
       current_step, next_due_at, status, created_at, updated_at
FROM sequence_contacts
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_instructions AS
SELECT id, workspace_id AS client_id, given_by, instruction, created_at
FROM human_instructions
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_field_changes AS
SELECT id, workspace_id AS client_id, view_name, row_id, column_name, old_value, new_value,
       acting_role, user_id, on_behalf_of, changed_at
FROM field_changes
WHERE workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid;

-- Read-only: one row per live stage, with its pipeline and deal totals.
CREATE VIEW crm_pipeline AS
SELECT s.id AS stage_id, p.id AS pipeline_id, p.workspace_id AS client_id,
       p.name AS pipeline_name, p.position AS pipeline_position,
       s.name AS stage_name, s.position AS stage_position, s.probability, s.is_won, s.is_lost,
       count(o.id) AS deal_count,
       coalesce(sum(o.amount_amount_micros), 0)::bigint AS amount_micros,
       coalesce(sum(o.amount_amount_micros * s.probability / 100), 0)::bigint AS weighted_amount_micros
FROM pipelines p
JOIN pipeline_stages s ON s.workspace_id = p.workspace_id AND s.pipeline_id = p.id
                      AND s.archived_at IS NULL
LEFT JOIN opportunities o ON o.workspace_id = s.workspace_id AND o.stage_id = s.id
                         AND o.deleted_at IS NULL
WHERE p.deleted_at IS NULL
  AND p.workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid
GROUP BY p.id, s.id;

CREATE VIEW crm_column_policy AS
SELECT view_name, column_name, class, on_insert, on_update FROM redkey_column_policy;

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_contacts', 'id', 'system', false, false),
  ('crm_contacts', 'client_id', 'system', false, false),
  ('crm_contacts', 'first_name', 'identity', true, true),
  ('crm_contacts', 'last_name', 'identity', true, true),
  ('crm_contacts', 'email', 'identity', true, true),
  ('crm_contacts', 'phone', 'identity', true, true),
  ('crm_contacts', 'job_title', 'identity', true, true),
  ('crm_contacts', 'city', 'identity', true, true),
  ('crm_contacts', 'company_id', 'identity', true, true),
  ('crm_contacts', 'priority', 'strategic', true, true),
  ('crm_contacts', 'relationship_note', 'strategic', true, true),
  ('crm_contacts', 'strategy_note', 'strategic', true, true),
  ('crm_contacts', 'recontact_at', 'strategic', true, true),
  ('crm_contacts', 'last_activity_at', 'operational', true, true),
  ('crm_contacts', 'enriched_at', 'operational', true, true),
  ('crm_contacts', 'email_thread_count', 'operational', true, true),
  ('crm_contacts', 'open_count', 'operational', true, true),
  ('crm_contacts', 'linkedin_url', 'operational', true, true),
  ('crm_contacts', 'sequence_step', 'operational', true, true),
  ('crm_contacts', 'sequence_enrolled_at', 'operational', true, true),
  ('crm_contacts', 'created_by_source', 'system', true, false),
  ('crm_contacts', 'created_at', 'system', false, false),
  ('crm_contacts', 'updated_at', 'system', false, false),

  ('crm_companies', 'id', 'system', false, false),
  ('crm_companies', 'client_id', 'system', false, false),
  ('crm_companies', 'name', 'identity', true, true),
  ('crm_companies', 'domain', 'identity', true, true),
  ('crm_companies', 'city', 'identity', true, true),
  ('crm_companies', 'country', 'identity', true, true),
  ('crm_companies', 'priority', 'strategic', true, true),
  ('crm_companies', 'strategy_note', 'strategic', true, true),
  ('crm_companies', 'account_owner_id', 'strategic', true, true),
  ('crm_companies', 'ideal_customer_profile', 'strategic', true, true),
  ('crm_companies', 'last_activity_at', 'operational', true, true),
  ('crm_companies', 'enriched_at', 'operational', true, true),
  ('crm_companies', 'linkedin_url', 'operational', true, true),
  ('crm_companies', 'employees', 'operational', true, true),
  ('crm_companies', 'company_size', 'operational', true, true),
  ('crm_companies', 'industry', 'operational', true, true),
  ('crm_companies', 'created_by_source', 'system', true, false),
  ('crm_companies', 'created_at', 'system', false, false),
  ('crm_companies', 'updated_at', 'system', false, false),

  ('crm_deals', 'id', 'system', false, false),
  ('crm_deals', 'client_id', 'system', false, false),
  ('crm_deals', 'name', 'identity', true, true),
  ('crm_deals', 'contact_id', 'identity', true, true),
  ('crm_deals', 'company_id', 'identity', true, true),
  ('crm_deals', 'pipeline_id', 'strategic', true, false),
  ('crm_deals', 'stage_id', 'strategic', true, false),
  ('crm_deals', 'amount_micros', 'strategic', true, true),
  ('crm_deals', 'currency_code', 'strategic', true, true),
  ('crm_deals', 'close_date', 'strategic', true, true),
  ('crm_deals', 'owner_id', 'strategic', true, true),
  ('crm_deals', 'priority', 'strategic', true, true),
  ('crm_deals', 'strategy_note', 'strategic', true, true),
  ('crm_deals', 'recontact_at', 'strategic', true, true),
  ('crm_deals', 'last_activity_at', 'operational', true, true),
  ('crm_deals', 'position', 'system', false, false),
  ('crm_deals', 'stage_changed_at', 'system', false, false),
  ('crm_deals', 'created_by_source', 'system', true, false),
  ('crm_deals', 'created_at', 'system', false, false),
  ('crm_deals', 'updated_at', 'system', false, false),

  ('crm_activities', 'id', 'system', false, false),
  ('crm_activities', 'client_id', 'system', false, false),
  ('crm_activities', 'kind', 'identity', true, false),
  ('crm_activities', 'subject', 'identity', true, true),
  ('crm_activities', 'body', 'identity', true, true),
  ('crm_activities', 'happens_at', 'identity', true, true),
  ('crm_activities', 'contact_id', 'identity', true, true),
  ('crm_activities', 'company_id', 'identity', true, true),
  ('crm_activities', 'deal_id', 'identity', true, true),
  ('crm_activities', 'properties', 'identity', true, true),
  ('crm_activities', 'external_key', 'identity', true, false),
  ('crm_activities', 'created_by_source', 'system', true, false),
  ('crm_activities', 'created_at', 'system', false, false),

  ('crm_notes', 'id', 'system', false, false),
  ('crm_notes', 'client_id', 'system', false, false),
  ('crm_notes', 'title', 'identity', true, true),
  ('crm_notes', 'body_markdown', 'identity', true, true),
  ('crm_notes', 'created_by_source', 'system', true, false),
  ('crm_notes', 'created_at', 'system', false, false),
  ('crm_notes', 'updated_at', 'system', false, false),

  ('crm_note_targets', 'id', 'system', false, false),
  ('crm_note_targets', 'client_id', 'system', false, false),
  ('crm_note_targets', 'note_id', 'identity', true, false),
  ('crm_note_targets', 'contact_id', 'identity', true, false),
  ('crm_note_targets', 'company_id', 'identity', true, false),
  ('crm_note_targets', 'deal_id', 'identity', true, false),
  ('crm_note_targets', 'created_at', 'system', false, false),

  ('crm_attachments', 'id', 'system', false, false),
  ('crm_attachments', 'client_id', 'system', false, false),
  ('crm_attachments', 'name', 'identity', true, true),
  ('crm_attachments', 'full_path', 'identity', true, false),
  ('crm_attachments', 'file_category', 'identity', true, true),
  ('crm_attachments', 'created_by_source', 'system', true, false),
  ('crm_attachments', 'created_at', 'system', false, false),
  ('crm_attachments', 'updated_at', 'system', false, false),

  ('crm_attachment_targets', 'id', 'system', false, false),
  ('crm_attachment_targets', 'client_id', 'system', false, false),
  ('crm_attachment_targets', 'attachment_id', 'identity', true, false),
  ('crm_attachment_targets', 'contact_id', 'identity', true, false),
  ('crm_attachment_targets', 'company_id', 'identity', true, false),
  ('crm_attachment_targets', 'deal_id', 'identity', true, false),
  ('crm_attachment_targets', 'created_at', 'system', false, false),

  ('crm_sequences', 'id', 'system', false, false),
  ('crm_sequences', 'client_id', 'system', false, false),
  ('crm_sequences', 'name', 'identity', true, true),
  ('crm_sequences', 'steps', 'identity', true, true),
  ('crm_sequences', 'created_at', 'system', false, false),
  ('crm_sequences', 'updated_at', 'system', false, false),

  ('crm_sequence_contacts', 'id', 'system', false, false),
  ('crm_sequence_contacts', 'client_id', 'system', false, false),
  ('crm_sequence_contacts', 'sequence_id', 'identity', true, false),
  ('crm_sequence_contacts', 'contact_id', 'identity', true, false),
  ('crm_sequence_contacts', 'status', 'identity', true, true),
  ('crm_sequence_contacts', 'current_step', 'operational', true, true),
  ('crm_sequence_contacts', 'next_due_at', 'operational', true, true),
  ('crm_sequence_contacts', 'created_at', 'system', false, false),
  ('crm_sequence_contacts', 'updated_at', 'system', false, false),

  ('crm_instructions', 'id', 'system', false, false),
  ('crm_instructions', 'client_id', 'system', false, false),
  ('crm_instructions', 'given_by', 'strategic', true, false),
  ('crm_instructions', 'instruction', 'strategic', true, false),
  ('crm_instructions', 'created_at', 'system', false, false);
