-- The board's stamp (main migration 0069) for an attached client, found
-- before public's by the search path. Twenty's own app writes deals,
-- companies and stages that no trigger of ours stamps, so there is no
-- stamp to trust: NULL tells the cockpit to read such a board afresh on
-- every request instead of keeping it.

SET LOCAL ROLE redkey_owner;

CREATE FUNCTION redkey_twenty.crm_board_stamp() RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT NULL::bigint $$;
REVOKE ALL ON FUNCTION redkey_twenty.crm_board_stamp() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_board_stamp() TO redkey_human, redkey_agent;

RESET ROLE;
