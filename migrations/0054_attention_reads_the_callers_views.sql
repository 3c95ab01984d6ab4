-- The health rule's two functions run as their caller over the crm_*
-- views; a pinned search path made them read public's views even for a
-- client attached to a Twenty workspace, whose views the transaction
-- resolves first (redkey_search_path), so its attention panel was empty.
-- Without the pin they read the views the caller's transaction resolves;
-- as invoker functions they grant nothing the caller lacks.

SET LOCAL ROLE redkey_owner;

ALTER FUNCTION crm_needs_attention(timestamptz) RESET search_path;
ALTER FUNCTION crm_needs_attention_first(timestamptz, uuid, integer) RESET search_path;

RESET ROLE;
