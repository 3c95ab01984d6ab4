//! Administration from the command line: connecting with the owner
//! credential, and the data crate's administration with the errors a
//! person reads. The SQL itself lives in `redkey_data::admin`.

pub mod seed;

use std::time::Duration;

use anyhow::anyhow;
use sqlx::{postgres::PgPoolOptions, PgPool};
use uuid::Uuid;

use crate::config::DatabaseUrl;
use redkey_data::admin;
use redkey_types::EmailAddress;

pub use redkey_data::admin::{clients, latest_migration};

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

/// Roles, then every pending migration.
pub async fn migrate(owner: &PgPool) -> anyhow::Result<()> {
    admin::migrate(owner)
        .await
        .map_err(|e| anyhow!("migration failed: {e}"))
}

pub async fn create_client(owner: &PgPool, slug: &str, name: &str) -> anyhow::Result<Uuid> {
    admin::create_client(owner, slug, name)
        .await
        .map_err(|e| anyhow!("cannot create client {slug}: {e}"))
}

/// Creates or updates a cockpit user and their client memberships.
pub async fn upsert_user(
    owner: &PgPool,
    email: &EmailAddress,
    name: &str,
    password: &str,
    clients: &[String],
) -> anyhow::Result<Uuid> {
    admin::upsert_user(owner, email, name, password, clients)
        .await
        .map_err(|e| anyhow!("cannot save user {email}: {e}"))
}
