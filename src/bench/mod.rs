//! Benchmarks: commands that build their own database on DATABASE_URL's
//! server, fill it, and print numbers (recorded in BENCHMARKS.md).

mod dataset;
pub mod http;
pub mod import;
mod mail;
mod page_sql;
pub mod queue;
pub mod search;

use sqlx::{Connection, PgConnection, PgPool};

use crate::{admin, config::DatabaseUrl};
use redkey_data::{Db, Pooler};

/// Drops and recreates the database `name`, migrates it, and opens the
/// owner pool and the data layer on the serving login.
async fn fresh_database(
    server: &DatabaseUrl,
    name: &str,
    connections: u32,
) -> anyhow::Result<(PgPool, Db)> {
    database(server, name, connections, true, None).await
}

/// [`fresh_database`] with the serving pool through a transaction-mode
/// pooler on 127.0.0.1:`pooler_port` in front of the same server.
async fn fresh_pooled_database(
    server: &DatabaseUrl,
    name: &str,
    connections: u32,
    pooler_port: Option<u16>,
) -> anyhow::Result<(PgPool, Db)> {
    database(server, name, connections, true, pooler_port).await
}

/// The database `name`, created when missing and migrated; what it holds
/// stays.
async fn open_database(
    server: &DatabaseUrl,
    name: &str,
    connections: u32,
) -> anyhow::Result<(PgPool, Db)> {
    database(server, name, connections, false, None).await
}

async fn database(
    server: &DatabaseUrl,
    name: &str,
    connections: u32,
    fresh: bool,
    pooler_port: Option<u16>,
) -> anyhow::Result<(PgPool, Db)> {
    let base = server.options();
    let mut maint = PgConnection::connect_with(&base.clone().database("postgres")).await?;
    redkey_data::admin::ensure_roles(&mut maint).await?;
    if fresh {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut maint)
            .await?;
    }
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut maint)
            .await?;
    if !exists {
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut maint)
            .await?;
    }
    let owner = PgPool::connect_with(base.clone().database(name)).await?;
    admin::migrate(&owner).await?;
    let (pooler, serving) = match pooler_port {
        Some(port) => (
            Pooler::Transaction,
            base.database(name).host("127.0.0.1").port(port),
        ),
        None => (Pooler::None, base.database(name)),
    };
    let serving = pooler
        .pool_options()
        .max_connections(connections)
        .connect_with(pooler.connect_options(serving.username("redkey_app")))
        .await?;
    Ok((owner, Db::connect_through(serving, pooler).await?))
}
