//! Other agents' API tokens and per-client schedules, administered with
//! the owner credential from the command line.

use anyhow::{anyhow, bail};
use chrono::{DateTime, NaiveTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::http::api::token_hash;

async fn client_id(owner: &PgPool, slug: &str) -> anyhow::Result<Uuid> {
    super::clients(owner)
        .await?
        .into_iter()
        .find(|(_, s, _)| s == slug)
        .map(|(id, _, _)| id)
        .ok_or_else(|| anyhow!("no client with slug {slug:?}"))
}

/// Creates a token for `agent` on the client `slug`; returns its id and
/// the token itself, which is shown once and stored only as a hash.
pub async fn create(owner: &PgPool, slug: &str, agent: &str) -> anyhow::Result<(Uuid, String)> {
    let client = client_id(owner, slug).await?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| anyhow!("no randomness: {e}"))?;
    let token = format!("rk_{}", hex::encode(secret));
    let id = sqlx::query_scalar(
        "INSERT INTO api_tokens (workspace_id, agent, token_hash) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(client)
    .bind(agent)
    .bind(token_hash(&token))
    .fetch_one(owner)
    .await
    .map_err(
        |e| match e.as_database_error().and_then(|d| d.constraint()) {
            Some("api_tokens_agent_check") => {
                anyhow!("agent names are lowercase letters, digits, '.', '_' and '-'")
            }
            _ => anyhow!("cannot create the token: {}", super::one_line(&e)),
        },
    )?;
    Ok((id, token))
}

/// Revokes one token by id; false when there was no live token with it.
pub async fn revoke(owner: &PgPool, id: Uuid) -> anyhow::Result<bool> {
    Ok(
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .execute(owner)
        .await?
        .rows_affected()
            == 1,
    )
}

#[derive(Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub client_id: Uuid,
    /// The client's slug, filled in after the query.
    #[sqlx(skip)]
    pub slug: String,
    pub agent: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn list(owner: &PgPool) -> anyhow::Result<Vec<TokenRow>> {
    let clients = super::clients(owner).await?;
    let mut rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT id, workspace_id AS client_id, agent, created_at, revoked_at \
         FROM api_tokens ORDER BY created_at",
    )
    .fetch_all(owner)
    .await?;
    for row in &mut rows {
        if let Some(c) = clients.iter().find(|c| c.0 == row.client_id) {
            row.slug = c.1.clone();
        }
    }
    Ok(rows)
}

/// Sets when the client's daily pipeline-health check runs.
pub async fn set_schedule(
    owner: &PgPool,
    slug: &str,
    at: NaiveTime,
    time_zone: &str,
) -> anyhow::Result<()> {
    let client = client_id(owner, slug).await?;
    let mut tx = owner.begin().await?;
    if sqlx::query("SELECT now() AT TIME ZONE $1")
        .bind(time_zone)
        .execute(&mut *tx)
        .await
        .is_err()
    {
        bail!("{time_zone:?} is not a time zone Postgres knows (try Europe/Berlin)");
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
