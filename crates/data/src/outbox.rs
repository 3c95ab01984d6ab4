//! The email outbox: each rendered request is stored before its first
//! attempt, so a retry sends the same bytes under the same key. Also the
//! client's shared request pace and sending pauses, which every instance
//! reads.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::{EmailAddress, SendStatus};

const SEND_COLUMNS: &str = "id, enrollment_id, step, contact_id, to_email, idempotency_key, \
    request, status, attempts, provider_id, message_id, last_error, created_at, sent_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EmailSend {
    pub id: Uuid,
    pub enrollment_id: Uuid,
    pub step: i32,
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

/// An attempt's outcome on the outbox row.
pub async fn mark_send(
    tx: &mut Tx,
    id: Uuid,
    status: SendStatus,
    provider_id: Option<&str>,
    error: Option<&str>,
    at: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query(
        "UPDATE crm_email_sends SET status = $2, attempts = attempts + 1, \
                provider_id = coalesce($3, provider_id), last_error = $4, \
                sent_at = coalesce($5, sent_at) WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(provider_id)
    .bind(error)
    .bind(at)
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

/// Sends whose outcome is unknown and which may not be retried blindly.
pub async fn in_review(tx: &mut Tx) -> Result<Vec<EmailSend>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SEND_COLUMNS} FROM crm_email_sends WHERE status = 'review' ORDER BY created_at"
    ))
    .fetch_all(tx.conn())
    .await?)
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

/// Takes the client's next Resend request slot, `gap_secs` after the one
/// taken before it by any instance. Returns the slot and how long to wait
/// for it, both by the database's clock. The row lock serialises takers
/// until commit: keep the transaction short.
pub async fn take_send_slot(tx: &mut Tx, gap_secs: f64) -> Result<(DateTime<Utc>, f64)> {
    loop {
        let taken: Option<(DateTime<Utc>, f64)> = sqlx::query_as(
            "UPDATE crm_email_pace \
             SET next_slot = greatest(next_slot, clock_timestamp()) + make_interval(secs => $1) \
             RETURNING next_slot - make_interval(secs => $1), \
               extract(epoch FROM next_slot - make_interval(secs => $1) - clock_timestamp())::float8",
        )
        .bind(gap_secs)
        .fetch_optional(tx.conn())
        .await?;
        if let Some(taken) = taken {
            return Ok(taken);
        }
        // The client's first send: start the row (another instance may
        // race to it; then the update above takes the next slot).
        let started: Option<DateTime<Utc>> = sqlx::query_scalar(
            "INSERT INTO crm_email_pace (next_slot) \
             VALUES (clock_timestamp() + make_interval(secs => $1)) ON CONFLICT DO NOTHING \
             RETURNING next_slot - make_interval(secs => $1)",
        )
        .bind(gap_secs)
        .fetch_optional(tx.conn())
        .await?;
        if let Some(slot) = started {
            return Ok((slot, 0.0));
        }
    }
}

/// Stops the client's sending until `until`, for every instance.
pub async fn pause_sending(tx: &mut Tx, until: DateTime<Utc>, reason: &str) -> Result<()> {
    sqlx::query("INSERT INTO crm_email_pauses (paused_until, reason) VALUES ($1, $2)")
        .bind(until)
        .bind(reason)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The pause in force at `now`, if any: the latest end and its reason.
pub async fn sending_paused(
    tx: &mut Tx,
    now: DateTime<Utc>,
) -> Result<Option<(DateTime<Utc>, String)>> {
    Ok(sqlx::query_as(
        "SELECT paused_until, reason FROM crm_email_pauses WHERE paused_until > $1 \
         ORDER BY paused_until DESC LIMIT 1",
    )
    .bind(now)
    .fetch_optional(tx.conn())
    .await?)
}

pub async fn send_by_message_id(tx: &mut Tx, message_id: &str) -> Result<Option<EmailSend>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SEND_COLUMNS} FROM crm_email_sends WHERE message_id = $1"
    ))
    .bind(message_id)
    .fetch_optional(tx.conn())
    .await?)
}
