-- The product's own credentials (the model's and the enrichment
-- provider's keys) in the secret store, for deployments that keep them out
-- of the environment: sealed by the server, readable only with the owner's
-- credential at start-up (no serving role is granted anything here).

SET LOCAL ROLE redkey_owner;

CREATE TABLE product_secrets (
  name text PRIMARY KEY CHECK (name IN ('anthropic_api_key', 'enrichment_api_key')),
  sealed bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON product_secrets FROM PUBLIC;

RESET ROLE;
