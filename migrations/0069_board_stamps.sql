-- A stamp per client that moves whenever what the board's first cards
-- show could have changed: a deal (any column), a company's name or its
-- deletion, a pipeline or a stage. The cockpit keeps a board it has read
-- under the stamp it read first and serves it again while the stamp holds
-- (BENCHMARKS.md, session 42); a changed stamp means a fresh read.
--
-- The stamp is the writing transaction's id: unique for the cluster's
-- lifetime and never issued again, a logical restore included, so a board
-- kept under one stamp can never be mistaken for a later state's. The
-- triggers are deferred constraint triggers: the stamp's row is locked as
-- the writer commits, after every other lock it takes, so two writers of
-- one client never wait on each other in opposite orders, and the wait
-- lasts only until the first commits. A transaction writes a client's
-- stamp once however many rows it changes (the upsert's condition), so an
-- import of thousands of deals makes one row version, not thousands. The
-- triggers see every writer: the cockpit, arlo, imports, restores and
-- other applications' rows.

SET LOCAL ROLE redkey_owner;

CREATE TABLE board_stamps (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces (id),
  stamp bigint NOT NULL
);

CREATE FUNCTION redkey_stamp_board() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev text := current_setting('redkey.client_id', true);
  ws uuid;
BEGIN
  FOREACH ws IN ARRAY ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.workspace_id END,
                            CASE WHEN TG_OP <> 'DELETE' THEN NEW.workspace_id END] LOOP
    CONTINUE WHEN ws IS NULL;
    -- Row security follows the row's own client, whoever writes it.
    PERFORM set_config('redkey.client_id', ws::text, true);
    INSERT INTO board_stamps AS b (workspace_id, stamp)
    VALUES (ws, pg_current_xact_id()::text::bigint)
    ON CONFLICT (workspace_id) DO UPDATE SET stamp = EXCLUDED.stamp
    WHERE b.stamp <> EXCLUDED.stamp;
  END LOOP;
  PERFORM set_config('redkey.client_id', coalesce(prev, ''), true);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION redkey_stamp_board() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER board_stamp AFTER INSERT OR UPDATE OR DELETE ON opportunities
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION redkey_stamp_board();
-- A card shows its company's name, and no company once it is deleted.
CREATE CONSTRAINT TRIGGER board_stamp AFTER UPDATE OF name, deleted_at OR DELETE ON companies
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION redkey_stamp_board();
CREATE CONSTRAINT TRIGGER board_stamp AFTER INSERT OR UPDATE OR DELETE ON pipelines
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION redkey_stamp_board();
CREATE CONSTRAINT TRIGGER board_stamp AFTER INSERT OR UPDATE OR DELETE ON pipeline_stages
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION redkey_stamp_board();

-- The stamp of the client in scope: 0 (no transaction's id) until its
-- first change. A function, not a view, so the Twenty adapter can answer
-- for its clients with one of its own.
CREATE FUNCTION crm_board_stamp() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT b.stamp FROM board_stamps b
                   WHERE b.workspace_id = redkey_client_id()), 0)
$$;
REVOKE ALL ON FUNCTION crm_board_stamp() FROM PUBLIC;

RESET ROLE;

SELECT redkey_isolate('board_stamps');
INSERT INTO redkey_function_policy (signature, role_name) VALUES
  ('crm_board_stamp()', 'redkey_human'),
  ('crm_board_stamp()', 'redkey_agent');
SELECT redkey_apply_grants();
