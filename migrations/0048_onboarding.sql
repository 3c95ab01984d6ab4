-- Onboarding a client from the owner's command line (`redkey client
-- onboard`): the first admin is invited before the client has anyone to
-- invite them, and the client's sending domain is kept so `redkey client
-- status` can check it again later.

SET LOCAL ROLE redkey_owner;

ALTER TABLE invitations ALTER COLUMN invited_by DROP NOT NULL;
COMMENT ON COLUMN invitations.invited_by IS 'NULL: the owner''s command line invited the first admin';

ALTER TABLE workspaces
  ADD COLUMN sending_domain text
    CHECK (sending_domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
  -- Resend's word for it when last asked, for Settings → Onboarding.
  ADD COLUMN sending_domain_status text CHECK (length(sending_domain_status) <= 40),
  ADD COLUMN sending_domain_checked_at timestamptz;

CREATE OR REPLACE VIEW crm_clients AS
SELECT id, slug, name, created_at, sending_domain, sending_domain_status, sending_domain_checked_at
FROM workspaces
WHERE id = NULLIF(current_setting('redkey.client_id', true), '')::uuid;

-- Arlo's daily re-check records what Resend said without any other write
-- to the workspace.
CREATE FUNCTION crm_record_domain_status(p_status text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE workspaces SET sending_domain_status = left(p_status, 40), sending_domain_checked_at = now()
  WHERE id = redkey_client_id();
$$;

RESET ROLE;

INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_record_domain_status(text)', 'redkey_agent');
SELECT redkey_apply_grants();
