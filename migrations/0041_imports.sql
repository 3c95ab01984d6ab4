-- CSV import: an uploaded file, the meaning chosen for each of its
-- columns, and what each run (a dry run, or the import itself) did to
-- each line. The import runs as the person who uploaded the file, so its
-- strategic columns are theirs; the file and its outcomes are the
-- client's like every other row.
--
-- Imported records may keep the ids they had (a Twenty export's `Id`
-- column), so people keep their links to companies and deals to both:
-- `id` becomes insertable on the three record views. Ids are global
-- uuids; one already taken (by any client) is refused as a conflict and
-- the record gets a new one.

SET LOCAL ROLE redkey_owner;

CREATE TABLE imports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL DEFAULT redkey_client_id() REFERENCES workspaces (id),
  uploaded_by uuid NOT NULL DEFAULT NULLIF(current_setting('redkey.user_id', true), '')::uuid
    REFERENCES users (id),
  kind text NOT NULL CHECK (kind IN ('contacts', 'companies', 'deals')),
  file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  content text NOT NULL,
  total_rows integer NOT NULL CHECK (total_rows >= 0),
  mapping jsonb NOT NULL CHECK (jsonb_typeof(mapping) = 'array'),
  status text NOT NULL DEFAULT 'uploaded'
    CHECK (status IN ('uploaded', 'checking', 'checked', 'importing', 'imported', 'failed')),
  -- Each start of a dry run or an import is a new run; its outcomes carry
  -- the number, so an earlier run's never mix in.
  run integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, id)
);
CREATE INDEX imports_recent ON imports (workspace_id, created_at DESC);
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON imports
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();

CREATE TABLE import_rows (
  workspace_id uuid NOT NULL DEFAULT redkey_client_id(),
  import_id uuid NOT NULL,
  run integer NOT NULL,
  line integer NOT NULL CHECK (line >= 1),
  outcome text NOT NULL CHECK (outcome IN ('created', 'updated', 'unchanged', 'skipped', 'failed')),
  reason text CHECK (length(reason) <= 500),
  record_id uuid,
  PRIMARY KEY (workspace_id, import_id, run, line),
  FOREIGN KEY (workspace_id, import_id) REFERENCES imports (workspace_id, id) ON DELETE CASCADE
);

CREATE VIEW crm_imports AS
SELECT id, workspace_id AS client_id, uploaded_by, kind, file_name, content, total_rows,
       mapping, status, run, created_at, updated_at
FROM imports
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

CREATE VIEW crm_import_rows AS
SELECT import_id, workspace_id AS client_id, run, line, outcome, reason, record_id
FROM import_rows
WHERE workspace_id = redkey_client_id()
WITH CASCADED CHECK OPTION;

RESET ROLE;

SELECT redkey_isolate('imports', 'import_rows');

UPDATE redkey_column_policy SET on_insert = true
WHERE column_name = 'id' AND view_name IN ('crm_contacts', 'crm_companies', 'crm_deals');

-- The import is the uploading person's work from start to end: only the
-- human role writes it (the class says whose, not what kind of field),
-- except the status, which arlo's engine also sets when a run fails for
-- good (so the page stops waiting for it).
INSERT INTO redkey_column_policy (view_name, column_name, class, on_insert, on_update) VALUES
  ('crm_imports', 'id', 'system', false, false),
  ('crm_imports', 'client_id', 'system', false, false),
  ('crm_imports', 'uploaded_by', 'system', false, false),
  ('crm_imports', 'kind', 'strategic', true, false),
  ('crm_imports', 'file_name', 'strategic', true, false),
  ('crm_imports', 'content', 'strategic', true, false),
  ('crm_imports', 'total_rows', 'strategic', true, false),
  ('crm_imports', 'mapping', 'strategic', true, true),
  ('crm_imports', 'status', 'identity', false, true),
  ('crm_imports', 'run', 'strategic', false, true),
  ('crm_imports', 'created_at', 'system', false, false),
  ('crm_imports', 'updated_at', 'system', false, false),
  ('crm_import_rows', 'import_id', 'strategic', true, false),
  ('crm_import_rows', 'client_id', 'system', false, false),
  ('crm_import_rows', 'run', 'strategic', true, false),
  ('crm_import_rows', 'line', 'strategic', true, false),
  ('crm_import_rows', 'outcome', 'strategic', true, false),
  ('crm_import_rows', 'reason', 'strategic', true, false),
  ('crm_import_rows', 'record_id', 'strategic', true, false);
SELECT redkey_apply_grants();
