-- The words of each attached contact's names, beside the adapter's
-- contact_search, as main migration 0068 keeps them beside public's:
-- search everywhere's contacts side (redkey_search_side) finds the table
-- next to the side table it searches, and the main set's statement
-- triggers keep it, in whichever schema they fire.

SET LOCAL ROLE redkey_owner;

SELECT similarity('', '');

CREATE TABLE redkey_twenty.contact_search_words (
  person_id uuid NOT NULL REFERENCES redkey_twenty.contact_search (person_id) ON DELETE CASCADE,
  workspace_id uuid NOT NULL,
  word text NOT NULL,
  PRIMARY KEY (person_id, word)
);
ALTER TABLE redkey_twenty.contact_search_words ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_isolation ON redkey_twenty.contact_search_words TO PUBLIC
  USING (workspace_id = redkey_client_id()) WITH CHECK (workspace_id = redkey_client_id());
CREATE INDEX contact_search_words_trgm ON redkey_twenty.contact_search_words
  USING gin (word gin_trgm_ops) WITH (fastupdate = off);
ALTER TABLE redkey_twenty.contact_search_words ALTER COLUMN word SET STATISTICS 20;

CREATE TRIGGER contact_search_words_added AFTER INSERT ON redkey_twenty.contact_search
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION redkey_index_contact_words();
CREATE TRIGGER contact_search_words_changed AFTER UPDATE ON redkey_twenty.contact_search
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION redkey_index_contact_words();

INSERT INTO redkey_twenty.contact_search_words (person_id, workspace_id, word)
SELECT person_id, workspace_id, redkey_trigram_words(names) FROM redkey_twenty.contact_search;

RESET ROLE;

ANALYZE redkey_twenty.contact_search_words;
