-- The per-day activity counts Today's weekly chart reads (main migration
-- 0058) for an attached client, whose activities live in the adapter's
-- own table: the same statement triggers on it, then a count of what is
-- there.

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

RESET ROLE;
