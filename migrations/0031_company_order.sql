-- The companies table pages by name (keyset), like the contacts table.
SET LOCAL ROLE redkey_owner;
CREATE INDEX companies_name_order ON companies (workspace_id, name, id) WHERE deleted_at IS NULL;
RESET ROLE;
