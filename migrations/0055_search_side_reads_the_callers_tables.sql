-- The side-table search step (redkey_search_side) is called only from the
-- search functions, as their owner. Its pinned search path made it read
-- public's side tables even when called by the Twenty adapter's search,
-- whose side tables (kept by triggers on Twenty's rows) sit in
-- redkey_twenty. Without the pin it reads the caller's, and each caller
-- pins its own path; it stays executable by its owner only.

SET LOCAL ROLE redkey_owner;

ALTER FUNCTION redkey_search_side(text, text, text, uuid, text[], text, integer, boolean)
  RESET search_path;

RESET ROLE;
