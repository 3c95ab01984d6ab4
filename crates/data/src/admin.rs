//! Administration with the owner credential: roles, migrations, clients,
//! users, schedules. Runs SQL functions defined by the migrations, never
//! raw table SQL, except where the owner alone may write (schedules).

use chrono::NaiveTime;
use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::{password, DbError, Result};
use redkey_types::EmailAddress;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

const ROLES_SQL: &str = include_str!("roles.sql");

/// The newest migration this build carries.
pub fn latest_migration() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Creates the server-wide roles if missing. Roles are global to the
/// server, so concurrent callers (parallel test databases) are serialised
/// on an advisory lock in the maintenance database they share.
pub async fn ensure_roles(conn: &mut PgConnection) -> Result<()> {
    // The advisory lock holds only within one database; roles are shared
    // by all of them. A run that collides with one migrating another
    // database ("tuple concurrently updated", or a role created meanwhile)
    // finds the work done when it runs again.
    let mut attempt = 0;
    loop {
        let run = async {
            let mut tx = conn.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(7201865)")
                .execute(&mut *tx)
                .await?;
            sqlx::raw_sql(ROLES_SQL).execute(&mut *tx).await?;
            tx.commit().await
        }
        .await;
        match run {
            Err(sqlx::Error::Database(e))
                if attempt < 5 && matches!(e.code().as_deref(), Some("XX000" | "23505")) =>
            {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
            }
            other => return Ok(other?),
        }
    }
}

/// Gives the serving login (`redkey_app`) a password. Only generated,
/// hexadecimal passwords are accepted: the statement cannot bind one.
pub async fn set_login_password(owner: &PgPool, password: &str) -> Result<()> {
    if password.is_empty() || !password.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(DbError::Invalid(
            "the password is not a generated one".into(),
        ));
    }
    sqlx::query(&format!("ALTER ROLE redkey_app PASSWORD '{password}'"))
        .execute(owner)
        .await?;
    Ok(())
}

/// Creates database `name` on the server of `admin` unless it exists.
pub async fn ensure_database(admin: &mut PgConnection, name: &str) -> Result<()> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut *admin)
            .await?;
    if !exists {
        sqlx::query(&format!("CREATE DATABASE \"{}\"", name.replace('"', "")))
            .execute(&mut *admin)
            .await?;
    }
    Ok(())
}

/// Roles, then every pending migration.
pub async fn migrate(owner: &PgPool) -> Result<()> {
    let mut conn = owner.acquire().await?;
    ensure_roles(&mut conn).await?;
    // Search functions set pg_trgm's parameters, and redkey_owner creates
    // them: before the library is loaded in a session those parameters are
    // placeholders only a superuser may set, so an upgrade on a fresh
    // connection would be refused. Loading it first makes them ordinary.
    sqlx::raw_sql(
        "DO $$ BEGIN
           IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
             PERFORM similarity('', '');
           END IF;
         END $$",
    )
    .execute(&mut *conn)
    .await?;
    MIGRATOR
        .run(&mut *conn)
        .await
        .map_err(|e| DbError::Sql(e.into()))
}

pub async fn create_client(owner: &PgPool, slug: &str, name: &str) -> Result<Uuid> {
    Ok(
        sqlx::query_scalar("SELECT redkey_admin_create_client($1, $2)")
            .bind(slug)
            .bind(name)
            .fetch_one(owner)
            .await?,
    )
}

/// Creates or updates a cockpit user and their client memberships, as
/// admins or members (saving again never demotes an admin).
pub async fn upsert_user(
    owner: &PgPool,
    email: &EmailAddress,
    name: &str,
    password: &str,
    clients: &[String],
    admin: bool,
) -> Result<Uuid> {
    let hash = password::hash_password(password).map_err(DbError::Invalid)?;
    Ok(
        sqlx::query_scalar("SELECT redkey_admin_upsert_user($1, $2, $3, $4, $5)")
            .bind(email.as_str())
            .bind(name)
            .bind(hash)
            .bind(clients)
            .bind(admin)
            .fetch_one(owner)
            .await?,
    )
}

/// Disables or enables a user (`disabled`) and/or sets their password;
/// either ends the user's sessions at once.
pub async fn set_user(
    owner: &PgPool,
    email: &EmailAddress,
    disabled: Option<bool>,
    password: Option<&str>,
) -> Result<Uuid> {
    let hash = password
        .map(password::hash_password)
        .transpose()
        .map_err(DbError::Invalid)?;
    Ok(
        sqlx::query_scalar("SELECT redkey_admin_set_user($1, $2, $3)")
            .bind(email.as_str())
            .bind(disabled)
            .bind(hash)
            .fetch_one(owner)
            .await?,
    )
}

/// Removes a user's membership in a client (their sessions there end);
/// false when there was none.
pub async fn remove_membership(owner: &PgPool, email: &EmailAddress, slug: &str) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT redkey_admin_remove_membership($1, $2)")
            .bind(email.as_str())
            .bind(slug)
            .fetch_one(owner)
            .await?,
    )
}

/// Every client as (id, slug, name).
pub async fn clients(owner: &PgPool) -> Result<Vec<(Uuid, String, String)>> {
    Ok(
        sqlx::query_as("SELECT id, slug, name FROM redkey_admin_clients()")
            .fetch_all(owner)
            .await?,
    )
}

/// A client's id from its slug.
pub async fn client_id(owner: &PgPool, slug: &str) -> Result<Uuid> {
    clients(owner)
        .await?
        .into_iter()
        .find(|(_, s, _)| s == slug)
        .map(|(id, _, _)| id)
        .ok_or_else(|| DbError::Invalid(format!("no client with slug {slug:?}")))
}

/// A transaction as `redkey_owner` scoped to `client`, opened by `begin`
/// (`BEGIN`, or a snapshot's `BEGIN ISOLATION LEVEL ...`): the owner's
/// command line reads and writes one client's rows under the same row
/// security as everyone else.
pub async fn owner_scoped(
    owner: &PgPool,
    client: Uuid,
    begin: &str,
) -> Result<Transaction<'static, Postgres>> {
    // One simple-query string: `client` is a formatted Uuid, `begin` ours.
    crate::begin_whole(
        owner,
        format!(
            "{begin}; SET LOCAL ROLE redkey_owner; \
             SELECT set_config('redkey.client_id', '{client}', true)"
        ),
    )
    .await
}

/// Sets when the client's daily pipeline-health check runs.
pub async fn set_schedule(
    owner: &PgPool,
    slug: &str,
    at: NaiveTime,
    time_zone: &str,
) -> Result<()> {
    let client = client_id(owner, slug).await?;
    let mut tx = owner.begin().await?;
    if sqlx::query("SELECT now() AT TIME ZONE $1")
        .bind(time_zone)
        .execute(&mut *tx)
        .await
        .is_err()
    {
        return Err(DbError::Invalid(format!(
            "{time_zone:?} is not a time zone Postgres knows (try Europe/Berlin)"
        )));
    }
    sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
        .bind(client.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO client_schedules (workspace_id, health_check_at, time_zone) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id) DO UPDATE SET health_check_at = $2, time_zone = $3",
    )
    .bind(client)
    .bind(at)
    .bind(time_zone)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
