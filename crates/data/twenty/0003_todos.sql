-- To-dos for an attached client are Twenty's tasks. Who a to-do is
-- assigned to is a RedKey member (the cockpit's choices), kept beside the
-- task: Twenty's assignee is one of its own workspace members. When it was
-- completed is ours too (Twenty keeps only the status).

SET LOCAL ROLE redkey_owner;

CREATE TABLE redkey_twenty.task_ext (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  id uuid NOT NULL,
  assignee_id uuid,
  completed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, assignee_id) REFERENCES workspace_members (workspace_id, id)
);
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON redkey_twenty.task_ext
  FOR EACH ROW EXECUTE FUNCTION redkey_touch_updated_at();

-- A person's only way to change a to-do's status, as crm_set_todo_status.
CREATE FUNCTION redkey_twenty.crm_set_todo_status(p_todo uuid, p_status text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  client uuid := redkey_client_id();
  ws text;
  status_type text;
  n integer;
BEGIN
  IF p_status IS NULL OR p_status NOT IN ('TODO', 'IN_PROGRESS', 'DONE') THEN
    RAISE EXCEPTION 'unknown to-do status %', p_status USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT workspace_schema INTO ws FROM redkey_twenty.attachments WHERE workspace_id = client;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'to-do not found' USING ERRCODE = 'no_data_found';
  END IF;
  SELECT format_type(a.atttypid, a.atttypmod) INTO status_type FROM pg_attribute a
  WHERE a.attrelid = format('%I.task', ws)::regclass AND a.attname = 'status';
  EXECUTE format('UPDATE %I.task SET status = $1::text::%s, "updatedAt" = now()
                  WHERE id = $2 AND "deletedAt" IS NULL', ws, status_type) USING p_status, p_todo;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION 'to-do not found' USING ERRCODE = 'no_data_found';
  END IF;
  INSERT INTO redkey_twenty.task_ext AS e (workspace_id, id, completed_at)
  VALUES (client, p_todo, CASE WHEN p_status = 'DONE' THEN now() END)
  ON CONFLICT (workspace_id, id) DO UPDATE
  SET completed_at = CASE WHEN p_status = 'DONE' THEN coalesce(e.completed_at, now()) END;
END
$$;
REVOKE ALL ON FUNCTION redkey_twenty.crm_set_todo_status(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redkey_twenty.crm_set_todo_status(uuid, text) TO redkey_human;

RESET ROLE;
SELECT redkey_isolate('redkey_twenty.task_ext');
