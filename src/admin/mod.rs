//! Administration with the owner credential: roles, migrations, clients,
//! users. Runs SQL functions defined by the migrations, never raw table SQL.

pub mod seed;
pub mod tokens;

use std::time::Duration;

use anyhow::{anyhow, Context};
use sqlx::{postgres::PgPoolOptions, Connection, PgConnection, PgPool};
use uuid::Uuid;

use crate::config::DatabaseUrl;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

const ROLES_SQL: &str = include_str!("roles.sql");

/// The newest migration this binary carries.
pub fn latest_migration() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// A small pool with the owner credential; a clear error when unreachable.
pub async fn owner_pool(url: &DatabaseUrl) -> anyhow::Result<PgPool> {
    connect(url, 2).await
}

pub async fn connect(url: &DatabaseUrl, max: u32) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(url.options())
        .await
        .map_err(|e| {
            anyhow!(
                "cannot connect to the database at {url:?}: {}",
                one_line(&e)
            )
        })
}

pub fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// Creates the server-wide roles if missing. Roles are global to the
/// server, so concurrent callers (parallel test databases) are serialised
/// on an advisory lock in the maintenance database they share.
pub async fn ensure_roles(conn: &mut PgConnection) -> anyhow::Result<()> {
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7201865)")
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(ROLES_SQL)
        .execute(&mut *tx)
        .await
        .context("cannot create the roles")?;
    tx.commit().await?;
    Ok(())
}

/// Creates database `name` on the server of `admin` unless it exists.
pub async fn ensure_database(admin: &mut PgConnection, name: &str) -> anyhow::Result<()> {
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
pub async fn migrate(owner: &PgPool) -> anyhow::Result<()> {
    let mut conn = owner.acquire().await?;
    ensure_roles(&mut conn).await?;
    drop(conn);
    MIGRATOR
        .run(owner)
        .await
        .map_err(|e| anyhow!("migration failed: {e}"))
}

pub async fn create_client(owner: &PgPool, slug: &str, name: &str) -> anyhow::Result<Uuid> {
    sqlx::query_scalar("SELECT redkey_admin_create_client($1, $2)")
        .bind(slug)
        .bind(name)
        .fetch_one(owner)
        .await
        .map_err(|e| {
            anyhow!(
                "cannot create client {slug}: {}",
                app::ssr::db::DbError::from(e)
            )
        })
}

/// Creates or updates a cockpit user and their client memberships.
pub async fn upsert_user(
    owner: &PgPool,
    email: &app::model::EmailAddress,
    name: &str,
    password: &str,
    clients: &[String],
) -> anyhow::Result<Uuid> {
    let hash = app::ssr::auth::hash_password(password).map_err(|e| anyhow!(e))?;
    sqlx::query_scalar("SELECT redkey_admin_upsert_user($1, $2, $3, $4)")
        .bind(email.as_str())
        .bind(name)
        .bind(hash)
        .bind(clients)
        .fetch_one(owner)
        .await
        .map_err(|e| {
            anyhow!(
                "cannot save user {email}: {}",
                app::ssr::db::DbError::from(e)
            )
        })
}

/// Every client as (id, slug, name).
pub async fn clients(owner: &PgPool) -> anyhow::Result<Vec<(Uuid, String, String)>> {
    Ok(
        sqlx::query_as("SELECT id, slug, name FROM redkey_admin_clients()")
            .fetch_all(owner)
            .await?,
    )
}
