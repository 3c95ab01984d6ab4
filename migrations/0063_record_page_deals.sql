-- A company's page and a contact's page list their deals, newest first.
-- With no index on the deal's company or contact, each such page read
-- every deal of the client (2 ms at 10,000 deals, the largest part of a
-- contact page's SQL); these walk only the deals shown, in their order.

SET LOCAL ROLE redkey_owner;

CREATE INDEX opportunities_company ON opportunities (workspace_id, company_id, created_at DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX opportunities_contact ON opportunities
  (workspace_id, point_of_contact_id, created_at DESC) WHERE deleted_at IS NULL;

RESET ROLE;
