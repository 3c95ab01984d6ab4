-- Server-wide roles (roles are global to a Postgres server, not per
-- database). Idempotent; `ensure_roles` serialises runs within a database
-- and retries a run that collided with one from another database.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'redkey_owner') THEN
    CREATE ROLE redkey_owner NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'redkey_human') THEN
    CREATE ROLE redkey_human NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'redkey_agent') THEN
    CREATE ROLE redkey_agent NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'redkey_engine') THEN
    CREATE ROLE redkey_engine NOLOGIN;
  END IF;
  -- The serving login: NOINHERIT, so it has no privileges until a
  -- transaction says SET LOCAL ROLE. Production sets a password on it.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'redkey_app') THEN
    CREATE ROLE redkey_app LOGIN NOINHERIT;
  END IF;
  -- Every statement the server runs answers a page or a task. Postgres's
  -- JIT compiles a plan whose estimate passes jit_above_cost on every
  -- execution (20-30 ms here, nothing cached): the queue's claim spent
  -- more time compiling than running (BENCHMARKS.md, the queue, session 13).
  -- Only when missing: a role is a row every database shares, and two
  -- databases migrating at once would otherwise both rewrite it.
  IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                 WHERE r.rolname = 'redkey_app' AND s.setdatabase = 0
                   AND 'jit=off' = ANY (s.setconfig)) THEN
    ALTER ROLE redkey_app SET jit = off;
  END IF;
  IF NOT pg_has_role('redkey_app', 'redkey_human', 'MEMBER') THEN
    GRANT redkey_human TO redkey_app;
  END IF;
  IF NOT pg_has_role('redkey_app', 'redkey_agent', 'MEMBER') THEN
    GRANT redkey_agent TO redkey_app;
  END IF;
  IF NOT pg_has_role('redkey_app', 'redkey_engine', 'MEMBER') THEN
    GRANT redkey_engine TO redkey_app;
  END IF;
  -- The migrating user must be able to act as the owner.
  IF NOT pg_has_role(current_user, 'redkey_owner', 'MEMBER') THEN
    EXECUTE format('GRANT redkey_owner TO %I', current_user);
  END IF;
END
$$;
