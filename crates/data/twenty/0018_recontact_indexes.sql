-- The recontact dates an attached client sets live in the adapter's
-- extension rows: the same indexes as main migration 0062 gives the main
-- tables, so Today's recontacts due read only the dates set.

SET LOCAL ROLE redkey_owner;

CREATE INDEX person_ext_recontact ON redkey_twenty.person_ext (workspace_id, recontact_at)
  WHERE recontact_at IS NOT NULL;
CREATE INDEX opportunity_ext_recontact ON redkey_twenty.opportunity_ext (workspace_id, recontact_at)
  WHERE recontact_at IS NOT NULL;

RESET ROLE;
