//! Administration from the command line: connecting with the owner
//! credential, and the demo data. The SQL itself lives in
//! `redkey_data::admin`.

pub mod backup;
pub mod check;
pub mod export;
pub mod onboard;
pub mod seed;
pub mod sources;

use std::time::Duration;

use anyhow::anyhow;
use sqlx::PgPool;

use crate::config::{DatabaseSettings, DatabaseUrl};
pub use redkey_data::admin::{clients, create_client, latest_migration, migrate, upsert_user};

/// A small pool with the owner credential; a clear error when unreachable.
pub async fn owner_pool(url: &DatabaseUrl) -> anyhow::Result<PgPool> {
    connect(url, 2).await
}

pub async fn connect(url: &DatabaseUrl, max: u32) -> anyhow::Result<PgPool> {
    connect_through(url, max, redkey_data::Pooler::None).await
}

/// The data layer on the serving credential `url`, through the pooler the
/// settings name.
pub async fn serving_db(
    settings: &DatabaseSettings,
    url: &DatabaseUrl,
    max: u32,
) -> anyhow::Result<redkey_data::Db> {
    let pool = connect_through(url, max, settings.pooler).await?;
    redkey_data::Db::connect_through(pool, settings.pooler)
        .await
        .map_err(|e| anyhow!("cannot open the data layer at {url:?}: {e}"))
}

async fn connect_through(
    url: &DatabaseUrl,
    max: u32,
    pooler: redkey_data::Pooler,
) -> anyhow::Result<PgPool> {
    pooler
        .pool_options()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(pooler.connect_options(url.options()))
        .await
        .map_err(|e| {
            anyhow!(
                "cannot connect to the database at {url:?}: {}",
                one_line(&e)
            )
        })
}

/// The newest migration applied to the owner's database; `None` when it
/// has no RedKey schema (or cannot say).
pub async fn applied_migration(owner: &PgPool) -> Option<i64> {
    sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(owner)
        .await
        .ok()
        .flatten()
}

pub fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}
