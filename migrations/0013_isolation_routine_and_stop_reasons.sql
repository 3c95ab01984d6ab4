-- One routine for row-level security on client tables, and the client id
-- every policy compares with. Later migrations call redkey_isolate() on
-- each new client table instead of writing the loop again.

-- LANGUAGE sql and STABLE, and neither SECURITY DEFINER nor with a SET
-- clause: the planner inlines it, so a policy reads as the expression
-- itself and index scans on workspace_id keep working.
CREATE FUNCTION redkey_client_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('redkey.client_id', true), '')::uuid $$;

-- Enables and forces row security on each table and (re)creates its one
-- policy. TO PUBLIC: through a view the policies are chosen by the view
-- owner's role, so a policy for redkey_human would match nothing.
CREATE FUNCTION redkey_isolate(VARIADIC p_tables regclass[]) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE t regclass;
BEGIN
  FOREACH t IN ARRAY p_tables LOOP
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS client_isolation ON %s', t);
    EXECUTE format('CREATE POLICY client_isolation ON %s TO PUBLIC '
                   'USING (workspace_id = redkey_client_id()) '
                   'WITH CHECK (workspace_id = redkey_client_id())', t);
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION redkey_isolate(regclass[]) FROM PUBLIC;

-- Every client table so far, now through the one routine (same meaning,
-- one definition).
SELECT redkey_isolate(
  'workspace_members', 'companies', 'people', 'pipelines', 'pipeline_stages',
  'opportunities', 'activities', 'notes', 'note_targets', 'attachments',
  'attachment_targets', 'sequences', 'sequence_contacts', 'human_instructions',
  'field_changes', 'tasks', 'task_runs', 'timer_ticks',
  'client_schedules', 'topic_messages', 'email_sends', 'email_events',
  'suppressions', 'unsubscribe_tokens', 'inbound_emails', 'email_pauses', 'email_pace');

-- Stop reasons become a closed set (the application's StopReason enum);
-- the free-text reasons written so far map onto it.
UPDATE sequence_contacts SET stop_reason = CASE
    WHEN stop_reason = 'no email address' THEN 'no_email_address'
    WHEN stop_reason = 'a send needs review' THEN 'needs_review'
    WHEN stop_reason = 'paused by you' THEN 'paused_by_user'
    WHEN stop_reason LIKE 'Resend refused the email:%' THEN 'rejected'
    ELSE stop_reason
  END
WHERE stop_reason IS NOT NULL;
ALTER TABLE sequence_contacts ADD CONSTRAINT sequence_contacts_stop_reason_check
  CHECK (stop_reason IN ('replied', 'unsubscribed', 'bounced', 'complained',
                         'no_email_address', 'rejected', 'needs_review',
                         'paused_by_user', 'unenrolled'));
