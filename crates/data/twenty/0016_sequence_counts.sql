-- The kept sequence funnels (main migration 0059) for an attached client,
-- whose enrolments and sends live in the adapter's copies: the same
-- statement triggers on them, then a count of what is there. The events
-- table is the main one for every client; its trigger already looks for
-- the send here.

SET LOCAL ROLE redkey_owner;

SELECT public.redkey_count_sequences_in('redkey_twenty');
SELECT public.redkey_recount_sequences(workspace_id) FROM redkey_twenty.attachments;

RESET ROLE;
