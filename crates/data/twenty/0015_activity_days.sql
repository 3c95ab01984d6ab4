-- The per-day activity counts Today's weekly chart reads (main migration
-- 0058) for an attached client, whose activities live in the adapter's
-- own table: the same statement triggers on it, then a count of what is
-- there. And the indexes of main migration 0060 on the adapter's copies.

SET LOCAL ROLE redkey_owner;

CREATE TRIGGER count_activity_days_insert AFTER INSERT ON redkey_twenty.activities
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.redkey_count_activity_days();
CREATE TRIGGER count_activity_days_update AFTER UPDATE ON redkey_twenty.activities
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.redkey_count_activity_days();
CREATE TRIGGER count_activity_days_delete AFTER DELETE ON redkey_twenty.activities
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION public.redkey_count_activity_days();

SELECT public.redkey_recount_activity_days(workspace_id) FROM redkey_twenty.attachments;

-- Under the name the copies' LIKE gives them when the adapter is made
-- after that migration (it copies the main tables' indexes).
CREATE INDEX IF NOT EXISTS sequence_contacts_workspace_id_person_id_idx
  ON redkey_twenty.sequence_contacts (workspace_id, person_id);
CREATE INDEX IF NOT EXISTS activities_workspace_id_kind_happens_at_idx
  ON redkey_twenty.activities (workspace_id, kind, happens_at DESC);

RESET ROLE;
