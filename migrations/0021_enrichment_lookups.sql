-- Enrichment: every lookup arlo makes at a provider, so a contact the
-- provider does not know is not asked about again every hour, and each
-- client's monthly credits can be counted.

SET LOCAL ROLE redkey_owner;

CREATE TABLE enrichment_lookups (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  person_id uuid NOT NULL,
  provider text NOT NULL CHECK (provider IN ('apollo', 'pdl')),
  outcome text NOT NULL CHECK (outcome IN ('matched', 'no_match')),
  billed boolean NOT NULL,
  looked_up_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id)
);
CREATE INDEX enrichment_lookups_person ON enrichment_lookups (workspace_id, person_id, looked_up_at DESC);
CREATE INDEX enrichment_lookups_month ON enrichment_lookups (workspace_id, looked_up_at) WHERE billed;

CREATE VIEW crm_enrichment_lookups AS
SELECT id, workspace_id AS client_id, person_id AS contact_id, provider, outcome, billed,
       looked_up_at
FROM enrichment_lookups
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

RESET ROLE;

SELECT redkey_isolate('enrichment_lookups');

INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_enrichment_lookups', 'id', 'system', false, false),
  ('crm_enrichment_lookups', 'client_id', 'system', false, false),
  ('crm_enrichment_lookups', 'contact_id', 'operational', true, false),
  ('crm_enrichment_lookups', 'provider', 'operational', true, false),
  ('crm_enrichment_lookups', 'outcome', 'operational', true, false),
  ('crm_enrichment_lookups', 'billed', 'operational', true, false),
  ('crm_enrichment_lookups', 'looked_up_at', 'system', false, false);
SELECT redkey_apply_grants();
