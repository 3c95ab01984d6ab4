//! What `redkey client onboard` and `redkey client status` read and write
//! as the owner, scoped to the client being onboarded: its sending domain,
//! its first pipeline, and the invitation of its first admin.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::{invitations, tokens::hash, Result};

/// The first admin's standing in the client.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminState {
    Member,
    /// Invited, not yet accepted; open until this date.
    Invited(chrono::DateTime<chrono::Utc>),
    None,
}

async fn scoped(owner: &PgPool, client: Uuid) -> Result<Transaction<'static, Postgres>> {
    crate::admin::owner_scoped(owner, client, "BEGIN").await
}

pub async fn sending_domain(owner: &PgPool, client: Uuid) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT sending_domain FROM workspaces WHERE id = $1")
            .bind(client)
            .fetch_one(owner)
            .await?,
    )
}

pub async fn set_sending_domain(owner: &PgPool, client: Uuid, domain: &str) -> Result<()> {
    let mut tx = scoped(owner, client).await?;
    sqlx::query("UPDATE workspaces SET sending_domain = lower($2) WHERE id = $1")
        .bind(client)
        .bind(domain)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The client's pipelines with their stage counts, in order.
pub async fn pipelines(owner: &PgPool, client: Uuid) -> Result<Vec<(String, i64)>> {
    let mut tx = scoped(owner, client).await?;
    Ok(sqlx::query_as(
        "SELECT p.name, (SELECT count(*) FROM crm_pipeline s WHERE s.pipeline_id = p.id) \
         FROM crm_pipelines p ORDER BY p.position, p.id",
    )
    .fetch_all(&mut *tx)
    .await?)
}

/// A default pipeline: its name and stages (name, probability, won, lost).
pub async fn create_pipeline(
    owner: &PgPool,
    client: Uuid,
    name: &str,
    stages: &[(&str, i32, bool, bool)],
) -> Result<()> {
    let mut tx = scoped(owner, client).await?;
    let pipeline: Uuid =
        sqlx::query_scalar("INSERT INTO pipelines (name, position) VALUES ($1, 0) RETURNING id")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
    for (i, (stage, probability, won, lost)) in stages.iter().enumerate() {
        sqlx::query(
            "INSERT INTO pipeline_stages (pipeline_id, name, position, probability, is_won, is_lost) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(pipeline)
        .bind(stage)
        .bind(i as i32)
        .bind(probability)
        .bind(won)
        .bind(lost)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn admin_state(owner: &PgPool, client: Uuid, email: &str) -> Result<AdminState> {
    let member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users u JOIN user_clients uc ON uc.user_id = u.id \
         WHERE lower(u.email) = lower($1) AND uc.workspace_id = $2)",
    )
    .bind(email)
    .bind(client)
    .fetch_one(owner)
    .await?;
    if member {
        return Ok(AdminState::Member);
    }
    let mut tx = scoped(owner, client).await?;
    let open: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "SELECT max(expires_at) FROM invitations WHERE email = lower($1) \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()",
    )
    .bind(email)
    .fetch_one(&mut *tx)
    .await?;
    Ok(open.map_or(AdminState::None, AdminState::Invited))
}

/// Invites `email` as the client's admin from the command line; the link's
/// token, shown once.
pub async fn invite_admin(owner: &PgPool, client: Uuid, email: &str) -> Result<String> {
    let token = invitations::new_token()?;
    let mut tx = scoped(owner, client).await?;
    sqlx::query(
        "INSERT INTO invitations (email, role, token_sha256, expires_at) \
         VALUES (lower($1), 'admin', $2, now() + make_interval(days => $3))",
    )
    .bind(email)
    .bind(hash(&token))
    .bind(invitations::OPEN_DAYS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The client's admins and its open admin invitations.
pub async fn admins(owner: &PgPool, client: Uuid) -> Result<(i64, i64)> {
    let members: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM user_clients WHERE workspace_id = $1 AND role = 'admin'",
    )
    .bind(client)
    .fetch_one(owner)
    .await?;
    let mut tx = scoped(owner, client).await?;
    let invited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitations WHERE role = 'admin' AND accepted_at IS NULL \
         AND revoked_at IS NULL AND expires_at > now()",
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok((members, invited))
}

/// The checklist as the client's own views show it (Settings → Onboarding).
pub async fn checklist(tx: &mut crate::Tx) -> Result<redkey_types::OnboardingChecklist> {
    Ok(sqlx::query_as(
        "SELECT c.slug, c.name, crm_schema_version() AS schema, \
           p.name AS pipeline, \
           (SELECT count(*) FROM crm_pipeline s WHERE s.pipeline_id = p.id) AS stages, \
           (SELECT count(*) FROM crm_member_roles WHERE role = 'admin') AS admins, \
           (SELECT count(*) FROM crm_invitations WHERE role = 'admin' AND accepted_at IS NULL \
              AND expires_at > now()) AS admins_invited, \
           (SELECT public_key FROM crm_sources WHERE kind = 'form' AND public_key IS NOT NULL \
              ORDER BY created_at LIMIT 1) AS form_key, \
           c.sending_domain, c.sending_domain_status, c.sending_domain_checked_at \
         FROM crm_clients c \
         LEFT JOIN LATERAL (SELECT id, name FROM crm_pipelines ORDER BY position, id LIMIT 1) p ON true",
    )
    .fetch_one(tx.conn())
    .await?)
}

/// What Resend said about the client's sending domain, for the checklist.
pub async fn record_domain_status(owner: &PgPool, client: Uuid, status: &str) -> Result<()> {
    let mut tx = scoped(owner, client).await?;
    sqlx::query(
        "UPDATE workspaces SET sending_domain_status = left($2, 40), sending_domain_checked_at = now() \
         WHERE id = $1",
    )
    .bind(client)
    .bind(status)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The client's sending domain and what Resend last said of it, as the
/// transaction's client sees it.
pub async fn domain_state(tx: &mut crate::Tx) -> Result<(Option<String>, Option<String>)> {
    Ok(
        sqlx::query_as("SELECT sending_domain, sending_domain_status FROM crm_clients")
            .fetch_one(tx.conn())
            .await?,
    )
}

/// Records what Resend said of the transaction's client's domain (arlo's
/// daily re-check).
pub async fn note_domain_status(tx: &mut crate::Tx, status: &str) -> Result<()> {
    sqlx::query("SELECT crm_record_domain_status($1)")
        .bind(status)
        .execute(tx.conn())
        .await?;
    Ok(())
}
