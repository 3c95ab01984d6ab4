-- Keyset orders of the contacts table besides the name order (0001):
-- recent activity (never-active contacts last) and newest first.
SET LOCAL ROLE redkey_owner;

CREATE INDEX people_activity_order ON people
  (workspace_id, coalesce(last_activity_at, '-infinity') DESC, id DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX people_created_order ON people (workspace_id, created_at DESC, id DESC)
  WHERE deleted_at IS NULL;
