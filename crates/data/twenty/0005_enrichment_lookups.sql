-- Arlo's enrichment lookups of an attached client's contacts (Twenty's
-- people): as activities, a copy of the main table whose reference is
-- checked against the workspace instead of RedKey's people.

SET LOCAL ROLE redkey_owner;

CREATE TABLE redkey_twenty.enrichment_lookups
  (LIKE public.enrichment_lookups INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES
                                  INCLUDING IDENTITY);
ALTER TABLE redkey_twenty.enrichment_lookups
  ADD FOREIGN KEY (workspace_id) REFERENCES workspaces (id);
CREATE TRIGGER references_in_workspace
  BEFORE INSERT OR UPDATE OF person_id ON redkey_twenty.enrichment_lookups
  FOR EACH ROW EXECUTE FUNCTION redkey_twenty.references_in_workspace();

CREATE VIEW redkey_twenty.crm_enrichment_lookups AS
SELECT id, workspace_id AS client_id, person_id AS contact_id, provider, outcome, billed,
       looked_up_at
FROM redkey_twenty.enrichment_lookups
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

SELECT redkey_grant_views('redkey_twenty');
RESET ROLE;
SELECT redkey_isolate('redkey_twenty.enrichment_lookups');
