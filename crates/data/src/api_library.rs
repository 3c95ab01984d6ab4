//! The integrations registry: arlo registers each outside API it uses and
//! learns, before every call, where to call and with which key an admin
//! set; it reports how each call went. People read it on Settings →
//! Integrations and an admin changes it there.

use redkey_types::Integration;
use uuid::Uuid;

use crate::{Result, Tx};

/// A provider as configured, for registering its use.
#[derive(Clone, Debug)]
pub struct Configured<'a> {
    pub provider: &'static str,
    pub name: &'a str,
    pub base_url: &'a str,
    /// Where the configured credential comes from, in words.
    pub secret_ref: &'a str,
    pub rate_per_minute: Option<i32>,
}

/// What to call now.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InUse {
    pub id: Uuid,
    pub base_url: String,
    /// The key an admin set (sealed, bound to `id`); none: the configured one.
    pub sealed_key: Option<Vec<u8>>,
    /// Requests a minute to keep to (as configured, or as an admin set).
    pub rate_per_minute: Option<i32>,
}

/// Registers `c` for the transaction's client (once) and answers what to
/// call now. Arlo's role only.
pub async fn use_provider(tx: &mut Tx, c: &Configured<'_>) -> Result<InUse> {
    Ok(sqlx::query_as(
        "SELECT id, base_url, sealed_key, rate_per_minute FROM crm_api_use($1, $2, $3, $4, $5)",
    )
    .bind(c.provider)
    .bind(c.name)
    .bind(c.base_url)
    .bind(c.secret_ref)
    .bind(c.rate_per_minute)
    .fetch_one(tx.conn())
    .await?)
}

/// Records how a call went (the error on one line, without secrets).
pub async fn called(tx: &mut Tx, id: Uuid, outcome: std::result::Result<(), &str>) -> Result<()> {
    sqlx::query("SELECT crm_api_called($1, $2, $3)")
        .bind(id)
        .bind(outcome.is_ok())
        .bind(outcome.err())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Every integration of the client, by provider and name.
pub async fn list(tx: &mut Tx) -> Result<Vec<Integration>> {
    Ok(sqlx::query_as(
        "SELECT id, provider, name, base_url, secret_ref, key_set_here, key_set_at, \
           rate_per_minute, last_success_at, last_error_at, last_error, calls_24h, errors_24h \
         FROM crm_api_library ORDER BY provider, name",
    )
    .fetch_all(tx.conn())
    .await?)
}

/// An admin's change: address, rate limit, and a new sealed key (or back
/// to the configured one with `clear_key`).
pub async fn set(
    tx: &mut Tx,
    id: Uuid,
    base_url: &str,
    rate_per_minute: Option<i32>,
    sealed_key: Option<&[u8]>,
    clear_key: bool,
) -> Result<()> {
    sqlx::query("SELECT crm_set_api($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(base_url)
        .bind(rate_per_minute)
        .bind(sealed_key)
        .bind(clear_key)
        .execute(tx.conn())
        .await?;
    Ok(())
}
