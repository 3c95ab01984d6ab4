-- Layer 1: Twenty-shaped tables (snake_case). Application code never
-- touches these; it goes through the crm_* views of layer 2.
--
-- Every row carries workspace_id, and every reference between rows is a
-- composite foreign key (workspace_id, x_id) -> (workspace_id, id), so a row
-- can never point into another client: foreign-key checks bypass RLS.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
GRANT USAGE, CREATE ON SCHEMA public TO redkey_owner;
GRANT USAGE ON SCHEMA public TO redkey_human, redkey_agent, redkey_engine;
-- Readiness checks read the applied migration list as the serving login.
GRANT SELECT ON _sqlx_migrations TO redkey_app;
-- sqlx records each migration in the same transaction, after the file has
-- switched to the owner role.
GRANT SELECT, INSERT, UPDATE ON _sqlx_migrations TO redkey_owner;

SET LOCAL ROLE redkey_owner;

CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL CHECK (btrim(name) <> ''),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE created_by_source AS ENUM
  ('EMAIL', 'CALENDAR', 'AGENT', 'API', 'IMPORT', 'MANUAL', 'SYSTEM', 'WEBHOOK', 'FORM');

CREATE TYPE priority_level AS ENUM ('low', 'medium', 'high', 'critical');

-- Twenty's workspaceMember: the people who own deals and accounts.
CREATE TABLE workspace_members (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  name_first_name text NOT NULL DEFAULT '',
  name_last_name text NOT NULL DEFAULT '',
  user_email text NOT NULL,
  user_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (workspace_id, id)
);

CREATE TABLE companies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  name text NOT NULL CHECK (btrim(name) <> ''),
  domain_name_primary_link_url text,
  employees integer CHECK (employees >= 0),
  linkedin_link_primary_link_url text,
  annual_recurring_revenue_amount_micros bigint,
  annual_recurring_revenue_currency_code char(3),
  address_address_city text,
  address_address_country text,
  ideal_customer_profile boolean NOT NULL DEFAULT false,
  account_owner_id uuid,
  -- strategic
  priority priority_level,
  strategy_note text,
  -- operational
  last_activity_at timestamptz,
  enriched_at timestamptz,
  company_size text,
  industry text,
  position double precision NOT NULL DEFAULT 0,
  created_by_source created_by_source NOT NULL DEFAULT 'MANUAL',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, account_owner_id) REFERENCES workspace_members (workspace_id, id)
);

CREATE TABLE people (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  name_first_name text NOT NULL DEFAULT '',
  name_last_name text NOT NULL DEFAULT '',
  emails_primary_email text CHECK (emails_primary_email ~ '^[^@\s]+@[^@\s]+$'),
  emails_additional_emails jsonb NOT NULL DEFAULT '[]',
  phones_primary_phone_number text,
  phones_primary_phone_country_code text,
  phones_primary_phone_calling_code text,
  linkedin_link_primary_link_url text,
  job_title text,
  city text,
  avatar_url text,
  company_id uuid,
  -- strategic
  priority priority_level,
  relationship_note text,
  strategy_note text,
  recontact_at timestamptz,
  -- operational
  last_activity_at timestamptz,
  enriched_at timestamptz,
  email_thread_count integer NOT NULL DEFAULT 0,
  open_count integer NOT NULL DEFAULT 0,
  sequence_step integer,
  sequence_enrolled_at timestamptz,
  position double precision NOT NULL DEFAULT 0,
  created_by_source created_by_source NOT NULL DEFAULT 'MANUAL',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id)
);
CREATE UNIQUE INDEX people_primary_email_unique
  ON people (workspace_id, lower(emails_primary_email))
  WHERE deleted_at IS NULL AND emails_primary_email IS NOT NULL;
CREATE INDEX people_company ON people (workspace_id, company_id);
CREATE INDEX people_name_order ON people (workspace_id, name_last_name, name_first_name, id)
  WHERE deleted_at IS NULL;

-- Unlike Twenty (one stage enum per workspace), several pipelines, each
-- with ordered stages.
CREATE TABLE pipelines (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  name text NOT NULL CHECK (btrim(name) <> ''),
  position integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (workspace_id, id)
);

CREATE TABLE pipeline_stages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid,
  pipeline_id uuid NOT NULL,
  name text NOT NULL CHECK (btrim(name) <> ''),
  position integer NOT NULL DEFAULT 0,
  probability integer NOT NULL DEFAULT 0 CHECK (probability BETWEEN 0 AND 100),
  is_won boolean NOT NULL DEFAULT false,
  is_lost boolean NOT NULL DEFAULT false CHECK (NOT (is_won AND is_lost)),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz,
  UNIQUE (workspace_id, id),
  UNIQUE (workspace_id, pipeline_id, id),
  FOREIGN KEY (workspace_id, pipeline_id) REFERENCES pipelines (workspace_id, id)
);

CREATE TABLE opportunities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  name text NOT NULL CHECK (btrim(name) <> ''),
  amount_amount_micros bigint CHECK (amount_amount_micros >= 0),
  amount_currency_code char(3) NOT NULL DEFAULT 'USD',
  close_date date,
  pipeline_id uuid NOT NULL,
  stage_id uuid NOT NULL,
  point_of_contact_id uuid,
  company_id uuid,
  owner_id uuid,
  -- strategic
  priority priority_level,
  strategy_note text,
  recontact_at timestamptz,
  -- operational
  last_activity_at timestamptz,
  position double precision NOT NULL DEFAULT 0,
  stage_changed_at timestamptz NOT NULL DEFAULT now(),
  created_by_source created_by_source NOT NULL DEFAULT 'MANUAL',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, pipeline_id, stage_id)
    REFERENCES pipeline_stages (workspace_id, pipeline_id, id),
  FOREIGN KEY (workspace_id, point_of_contact_id) REFERENCES people (workspace_id, id),
  FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id),
  FOREIGN KEY (workspace_id, owner_id) REFERENCES workspace_members (workspace_id, id)
);
CREATE INDEX opportunities_stage ON opportunities (workspace_id, stage_id, position);

-- Twenty's timelineActivity, widened for email and agent events.
CREATE TABLE activities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  kind text NOT NULL CHECK (kind ~ '^[a-z_]+$'),
  subject text,
  body text,
  happens_at timestamptz NOT NULL DEFAULT now(),
  person_id uuid,
  company_id uuid,
  opportunity_id uuid,
  properties jsonb NOT NULL DEFAULT '{}',
  -- Makes logging from at-least-once tasks and provider events idempotent.
  external_key text,
  created_by_source created_by_source NOT NULL DEFAULT 'MANUAL',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (workspace_id, id),
  UNIQUE (workspace_id, external_key),
  FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id),
  FOREIGN KEY (workspace_id, company_id) REFERENCES companies (workspace_id, id),
  FOREIGN KEY (workspace_id, opportunity_id) REFERENCES opportunities (workspace_id, id)
);
CREATE INDEX activities_recent ON activities (workspace_id, happens_at DESC);
CREATE INDEX activities_person ON activities (workspace_id, person_id, happens_at DESC);
CREATE INDEX activities_opportunity ON activities (workspace_id, opportunity_id, happens_at DESC);

CREATE TABLE notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  title text NOT NULL DEFAULT '',
  body_v2_markdown text NOT NULL DEFAULT '',
  position double precision NOT NULL DEFAULT 0,
  created_by_source created_by_source NOT NULL DEFAULT 'MANUAL',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (workspace_id, id)
);

CREATE TABLE note_targets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid,
  note_id uuid NOT NULL,
  target_person_id uuid,
  target_company_id uuid,
  target_opportunity_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(target_person_id, target_company_id, target_opportunity_id) = 1),
  FOREIGN KEY (workspace_id, note_id) REFERENCES notes (workspace_id, id),
  FOREIGN KEY (workspace_id, target_person_id) REFERENCES people (workspace_id, id),
  FOREIGN KEY (workspace_id, target_company_id) REFERENCES companies (workspace_id, id),
  FOREIGN KEY (workspace_id, target_opportunity_id) REFERENCES opportunities (workspace_id, id)
);
CREATE INDEX note_targets_note ON note_targets (workspace_id, note_id);

CREATE TYPE file_category AS ENUM
  ('ARCHIVE', 'AUDIO', 'IMAGE', 'PRESENTATION', 'SPREADSHEET', 'TEXT_DOCUMENT', 'VIDEO', 'OTHER');

CREATE TABLE attachments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  name text NOT NULL CHECK (btrim(name) <> ''),
  full_path text NOT NULL,
  file_category file_category NOT NULL DEFAULT 'OTHER',
  created_by_source created_by_source NOT NULL DEFAULT 'MANUAL',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (workspace_id, id)
);

CREATE TABLE attachment_targets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid,
  attachment_id uuid NOT NULL,
  target_person_id uuid,
  target_company_id uuid,
  target_opportunity_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(target_person_id, target_company_id, target_opportunity_id) = 1),
  FOREIGN KEY (workspace_id, attachment_id) REFERENCES attachments (workspace_id, id),
  FOREIGN KEY (workspace_id, target_person_id) REFERENCES people (workspace_id, id),
  FOREIGN KEY (workspace_id, target_company_id) REFERENCES companies (workspace_id, id),
  FOREIGN KEY (workspace_id, target_opportunity_id) REFERENCES opportunities (workspace_id, id)
);

-- New, not in Twenty: email sequences and enrollments.
CREATE TABLE sequences (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  name text NOT NULL CHECK (btrim(name) <> ''),
  steps jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(steps) = 'array'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (workspace_id, id)
);

CREATE TABLE sequence_contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid,
  sequence_id uuid NOT NULL,
  person_id uuid NOT NULL,
  current_step integer NOT NULL DEFAULT 0 CHECK (current_step >= 0),
  next_due_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'complete')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, id),
  FOREIGN KEY (workspace_id, sequence_id) REFERENCES sequences (workspace_id, id),
  FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id)
);
CREATE UNIQUE INDEX sequence_contacts_one_active
  ON sequence_contacts (workspace_id, sequence_id, person_id) WHERE status <> 'complete';
CREATE INDEX sequence_contacts_due ON sequence_contacts (next_due_at) WHERE status = 'active';

-- A stored human instruction. Arlo acts as redkey_human only on behalf of
-- one of these, and the audit trail points back to it.
CREATE TABLE human_instructions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL
    DEFAULT NULLIF(current_setting('redkey.client_id', true), '')::uuid
    REFERENCES workspaces (id),
  given_by text NOT NULL,
  instruction text NOT NULL CHECK (btrim(instruction) <> ''),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, id)
);

-- The audit trail of strategic and operational fields.
CREATE TABLE field_changes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  view_name text NOT NULL,
  row_id uuid NOT NULL,
  column_name text NOT NULL,
  old_value jsonb,
  new_value jsonb,
  acting_role text NOT NULL,
  user_id uuid,
  on_behalf_of uuid,
  changed_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (workspace_id, on_behalf_of) REFERENCES human_instructions (workspace_id, id)
);
CREATE INDEX field_changes_row ON field_changes (workspace_id, row_id, changed_at DESC);

-- Row-level security, forced (the owner is subject too), on every table
-- that holds client data. TO PUBLIC: through a view the policies are chosen
-- by the view owner's role, so a policy for redkey_human would match nothing.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['workspace_members', 'companies', 'people', 'pipelines',
    'pipeline_stages', 'opportunities', 'activities', 'notes', 'note_targets',
    'attachments', 'attachment_targets', 'sequences', 'sequence_contacts',
    'human_instructions', 'field_changes']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY client_isolation ON %I TO PUBLIC
      USING (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)
      WITH CHECK (workspace_id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)$p$, t);
  END LOOP;
END
$$;

ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY client_isolation ON workspaces TO PUBLIC
  USING (id = NULLIF(current_setting('redkey.client_id', true), '')::uuid)
  WITH CHECK (id = NULLIF(current_setting('redkey.client_id', true), '')::uuid);
