-- Bounded pages, part two.
--
-- 1. The companies table pages by name (keyset), like the contacts table.
-- 2. A contact's search document is rebuilt only when a column it holds
--    changes, not on every write to the contact (each activity moves the
--    contact's last activity, which rewrote the document every time).

SET LOCAL ROLE redkey_owner;

CREATE INDEX companies_name_order ON companies (workspace_id, name, id) WHERE deleted_at IS NULL;

DROP TRIGGER search_index ON people;
CREATE TRIGGER search_index
  AFTER INSERT OR UPDATE OF name_first_name, name_last_name, emails_primary_email, company_id,
                            deleted_at
  ON people FOR EACH ROW EXECUTE FUNCTION redkey_index_contact();

RESET ROLE;
