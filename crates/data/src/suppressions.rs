//! What the provider tells us and what follows from it: webhook events
//! (once per delivery id), suppressed addresses, unsubscribe tokens and
//! inbound mail.

use serde_json::Value;
use uuid::Uuid;

use super::{Db, Result, Tx};
use redkey_types::{EmailAddress, InboundMail, SuppressionReason};

/// Records a webhook delivery; false when its svix-id was seen before.
pub async fn record_event(tx: &mut Tx, svix_id: &str, kind: &str, payload: &Value) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO crm_email_events (svix_id, type, payload) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(svix_id)
    .bind(kind)
    .bind(payload)
    .execute(tx.conn())
    .await?
    .rows_affected()
        == 1)
}

/// Why the address gets no more mail from this client, if it does not.
pub async fn suppression(tx: &mut Tx, email: &EmailAddress) -> Result<Option<SuppressionReason>> {
    Ok(sqlx::query_scalar(
        "SELECT reason FROM crm_suppressions WHERE email_sha256 = redkey_email_hash($1)",
    )
    .bind(email.as_str())
    .fetch_optional(tx.conn())
    .await?)
}

pub async fn suppress(tx: &mut Tx, email: &EmailAddress, reason: SuppressionReason) -> Result<()> {
    sqlx::query(
        "INSERT INTO crm_suppressions (email_sha256, reason) VALUES (redkey_email_hash($1), $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(email.as_str())
    .bind(reason)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The address's unsubscribe token, created on first use.
pub async fn unsubscribe_token(tx: &mut Tx, email: &EmailAddress, fresh: &str) -> Result<String> {
    if let Some(t) =
        sqlx::query_scalar("SELECT token FROM crm_unsubscribe_tokens WHERE email = lower($1)")
            .bind(email.as_str())
            .fetch_optional(tx.conn())
            .await?
    {
        return Ok(t);
    }
    sqlx::query("INSERT INTO crm_unsubscribe_tokens (token, email) VALUES ($1, lower($2))")
        .bind(fresh)
        .bind(email.as_str())
        .execute(tx.conn())
        .await?;
    Ok(fresh.to_string())
}

#[allow(clippy::too_many_arguments)]
pub async fn record_inbound(
    tx: &mut Tx,
    provider_id: Option<&str>,
    from: &str,
    to: &[String],
    subject: Option<&str>,
    message_id: Option<&str>,
    enrollment: Option<Uuid>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO crm_inbound_emails (provider_id, from_email, to_emails, subject, message_id, \
                                         enrollment_id) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(provider_id)
    .bind(from)
    .bind(to)
    .bind(subject)
    .bind(message_id)
    .bind(enrollment)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// One-click unsubscribe: checks (and with `apply`, carries out) a token.
/// Runs before any client is known; the token names it.
pub async fn unsubscribe(db: &Db, token: &str, apply: bool) -> Result<bool> {
    let mut tx = db.unscoped("redkey_agent").await?;
    let found: bool = sqlx::query_scalar("SELECT crm_unsubscribe($1, $2)")
        .bind(token)
        .bind(apply)
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(found)
}

/// The newest inbound mail, matched or not.
pub async fn inbound(tx: &mut Tx, limit: i64) -> Result<Vec<InboundMail>> {
    Ok(sqlx::query_as(
        "SELECT id, from_email, subject, enrollment_id, received_at FROM crm_inbound_emails \
         ORDER BY received_at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}
