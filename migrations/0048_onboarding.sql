-- Onboarding a client from the owner's command line (`redkey client
-- onboard`): the first admin is invited before the client has anyone to
-- invite them, and the client's sending domain is kept so `redkey client
-- status` can check it again later.

SET LOCAL ROLE redkey_owner;

ALTER TABLE invitations ALTER COLUMN invited_by DROP NOT NULL;
COMMENT ON COLUMN invitations.invited_by IS 'NULL: the owner''s command line invited the first admin';

ALTER TABLE workspaces ADD COLUMN sending_domain text
  CHECK (sending_domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$');

RESET ROLE;
