//! Other agents' API tokens: created and revoked with the owner credential
//! from the command line, looked up by the API on every call. Only the
//! SHA-256 of a token is stored; the token itself is shown once.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{admin, ClientId, Db, DbError, Result};

/// What is stored of a token: its SHA-256.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// An agent's API token, as the API sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiToken {
    pub id: Uuid,
    pub client_id: Uuid,
    pub agent: String,
}

impl ApiToken {
    pub fn client(&self) -> ClientId {
        ClientId(self.client_id)
    }
}

/// The live token whose hash is that of `presented`, if any.
pub async fn find(db: &Db, presented: &str) -> Result<Option<ApiToken>> {
    let mut tx = db.unscoped("redkey_agent").await?;
    Ok(
        sqlx::query_as("SELECT id, client_id, agent FROM crm_api_token($1)")
            .bind(hash(presented))
            .fetch_optional(tx.conn())
            .await?,
    )
}

/// Creates a token for `agent` on the client `slug`; returns its id and
/// the token itself.
pub async fn create(owner: &PgPool, slug: &str, agent: &str) -> Result<(Uuid, String)> {
    let client = admin::client_id(owner, slug).await?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| DbError::Invalid(format!("no randomness: {e}")))?;
    let token = format!("rk_{}", hex::encode(secret));
    let id = sqlx::query_scalar(
        "INSERT INTO api_tokens (workspace_id, agent, token_hash) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(client)
    .bind(agent)
    .bind(hash(&token))
    .fetch_one(owner)
    .await
    .map_err(
        |e| match e.as_database_error().and_then(|d| d.constraint()) {
            Some("api_tokens_agent_check") => DbError::Invalid(
                "agent names are lowercase letters, digits, '.', '_' and '-'".into(),
            ),
            _ => DbError::from(e),
        },
    )?;
    Ok((id, token))
}

/// Revokes one token by id; false when there was no live token with it.
pub async fn revoke(owner: &PgPool, id: Uuid) -> Result<bool> {
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
    pub slug: String,
    pub agent: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn list(owner: &PgPool) -> Result<Vec<TokenRow>> {
    Ok(sqlx::query_as(
        "SELECT t.id, t.workspace_id AS client_id, c.slug, t.agent, t.created_at, t.revoked_at \
         FROM api_tokens t JOIN redkey_admin_clients() c ON c.id = t.workspace_id \
         ORDER BY t.created_at",
    )
    .fetch_all(owner)
    .await?)
}
