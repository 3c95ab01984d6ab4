//! The email outbox: each rendered request is stored before its first
//! attempt, so a retry sends the same bytes under the same key; and what a
//! person decides about a send whose outcome is unknown or that failed.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::{EmailAddress, SendAction, SendStatus};

const SEND_COLUMNS: &str = "id, enrollment_id, step, contact_id, to_email, idempotency_key, \
    request, status, attempts, provider_id, message_id, last_error, created_at, sent_at, \
    first_attempt_at, released_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EmailSend {
    pub id: Uuid,
    /// The enrollment and step it belongs to; none for an email arlo
    /// drafted for the founder.
    pub enrollment_id: Option<Uuid>,
    pub step: Option<i32>,
    pub contact_id: Uuid,
    pub to_email: EmailAddress,
    pub idempotency_key: String,
    pub request: String,
    pub status: SendStatus,
    pub attempts: i32,
    pub provider_id: Option<String>,
    pub message_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When the request first went out with an unknown or good outcome;
    /// none while it was only ever held back or refused outright.
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// When a person chose "send again" for it.
    pub released_at: Option<DateTime<Utc>>,
}

pub async fn send_of(tx: &mut Tx, enrollment: Uuid, step: i32) -> Result<Option<EmailSend>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SEND_COLUMNS} FROM crm_email_sends WHERE enrollment_id = $1 AND step = $2"
    ))
    .bind(enrollment)
    .bind(step)
    .fetch_optional(tx.conn())
    .await?)
}

pub async fn send_by_provider_id(tx: &mut Tx, provider_id: &str) -> Result<Option<EmailSend>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SEND_COLUMNS} FROM crm_email_sends WHERE provider_id = $1"
    ))
    .bind(provider_id)
    .fetch_optional(tx.conn())
    .await?)
}

/// Stores the rendered request before the first attempt.
pub async fn create_send(
    tx: &mut Tx,
    enrollment: Uuid,
    step: i32,
    contact: Uuid,
    to: &EmailAddress,
    key: &str,
    request: &str,
) -> Result<EmailSend> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO crm_email_sends (enrollment_id, step, contact_id, to_email, idempotency_key, \
                                      request, status, attempts) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0) RETURNING {SEND_COLUMNS}"
    ))
    .bind(enrollment)
    .bind(step)
    .bind(contact)
    .bind(to)
    .bind(key)
    .bind(request)
    .fetch_one(tx.conn())
    .await?)
}

/// An attempt's outcome on the outbox row. `went_out`: the request reached
/// the provider and its outcome is good or unknown (the review deadline
/// counts from the first such attempt); false when it provably did not
/// leave (held back, refused outright, no connection).
pub async fn mark_send(
    tx: &mut Tx,
    id: Uuid,
    status: SendStatus,
    provider_id: Option<&str>,
    error: Option<&str>,
    at: Option<DateTime<Utc>>,
    went_out: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE crm_email_sends SET status = $2, attempts = attempts + 1, \
                provider_id = coalesce($3, provider_id), last_error = $4, \
                sent_at = coalesce($5, sent_at), \
                first_attempt_at = CASE WHEN $6 THEN coalesce(first_attempt_at, now()) \
                                        ELSE first_attempt_at END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(provider_id)
    .bind(error)
    .bind(at)
    .bind(went_out)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn set_send_message_id(tx: &mut Tx, id: Uuid, message_id: &str) -> Result<()> {
    sqlx::query("UPDATE crm_email_sends SET message_id = $2 WHERE id = $1")
        .bind(id)
        .bind(message_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Sends a person must decide about: in review (outcome unknown, too old
/// to re-send blindly) or failed (refused; retried once the cause is
/// fixed).
pub async fn needing_decision(tx: &mut Tx) -> Result<Vec<EmailSend>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SEND_COLUMNS} FROM crm_email_sends WHERE status IN ('review', 'failed') \
         ORDER BY created_at, id"
    ))
    .fetch_all(tx.conn())
    .await?)
}

/// A person's decision about a send in review or failed, recorded with
/// who made it (`crm_resolve_send`).
pub async fn resolve(
    tx: &mut Tx,
    send: Uuid,
    action: SendAction,
    provider_id: Option<&str>,
) -> Result<()> {
    sqlx::query("SELECT crm_resolve_send($1, $2, $3)")
        .bind(send)
        .bind(action.as_str())
        .bind(provider_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Stores an email arlo drafted for `task` as a draft (nothing is sent
/// until a person releases it); the task's draft, however often it runs.
pub async fn create_draft(
    tx: &mut Tx,
    task: Uuid,
    contact: Uuid,
    to: &EmailAddress,
    request: &str,
) -> Result<EmailSend> {
    sqlx::query(
        "INSERT INTO crm_email_sends (contact_id, to_email, idempotency_key, request, status, \
                                      attempts, drafted_by_task) \
         VALUES ($1, $2, $3, $4, 'draft', 0, $5) ON CONFLICT DO NOTHING",
    )
    .bind(contact)
    .bind(to)
    .bind(format!("draft-{task}"))
    .bind(request)
    .bind(task)
    .execute(tx.conn())
    .await?;
    Ok(sqlx::query_as(&format!(
        "SELECT {SEND_COLUMNS} FROM crm_email_sends WHERE drafted_by_task = $1"
    ))
    .bind(task)
    .fetch_one(tx.conn())
    .await?)
}

/// A person sends a draft (`crm_send_draft`).
pub async fn send_draft(tx: &mut Tx, send: Uuid) -> Result<()> {
    sqlx::query("SELECT crm_send_draft($1)")
        .bind(send)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The oldest released draft still to send, locked for this run.
pub async fn next_released_draft(tx: &mut Tx) -> Result<Option<EmailSend>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SEND_COLUMNS} FROM crm_email_sends \
         WHERE status = 'pending' AND enrollment_id IS NULL \
         ORDER BY released_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
    ))
    .fetch_optional(tx.conn())
    .await?)
}

pub async fn get(tx: &mut Tx, id: Uuid) -> Result<EmailSend> {
    sqlx::query_as(&format!(
        "SELECT {SEND_COLUMNS} FROM crm_email_sends WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or(super::DbError::NotFound)
}

/// How many sequence emails the client sent since `since` (daily caps).
pub async fn sent_since(tx: &mut Tx, since: DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM crm_email_sends WHERE status = 'sent' AND sent_at >= $1",
    )
    .bind(since)
    .fetch_one(tx.conn())
    .await?)
}

/// When the client first sent through a sequence (the warm-up's day 0).
pub async fn first_send_at(tx: &mut Tx) -> Result<Option<DateTime<Utc>>> {
    Ok(
        sqlx::query_scalar("SELECT min(sent_at) FROM crm_email_sends WHERE status = 'sent'")
            .fetch_one(tx.conn())
            .await?,
    )
}

pub async fn send_by_message_id(tx: &mut Tx, message_id: &str) -> Result<Option<EmailSend>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SEND_COLUMNS} FROM crm_email_sends WHERE message_id = $1"
    ))
    .bind(message_id)
    .fetch_optional(tx.conn())
    .await?)
}
