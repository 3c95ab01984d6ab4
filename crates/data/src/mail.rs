//! Synced mail: folder positions, messages stored once per Message-ID, and
//! the questions contact discovery asks of them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Result, Tx};

/// One message as the sync stores it.
#[derive(Clone, Debug)]
pub struct NewMail {
    pub message_id: String,
    pub thread_key: String,
    pub in_reply_to: Option<String>,
    /// "in" (received) or "out" (sent from the mailbox).
    pub direction: &'static str,
    pub from_email: String,
    pub from_name: Option<String>,
    pub to_emails: Vec<String>,
    pub subject: Option<String>,
    pub body_text: Option<String>,
    pub sent_at: DateTime<Utc>,
    pub automatic: bool,
    pub bulk: bool,
}

/// Stores a message; its id, or None when the Message-ID was stored before.
pub async fn store(tx: &mut Tx, source: Uuid, m: &NewMail) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT crm_store_email($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(source)
    .bind(&m.message_id)
    .bind(&m.thread_key)
    .bind(&m.in_reply_to)
    .bind(m.direction)
    .bind(&m.from_email)
    .bind(&m.from_name)
    .bind(&m.to_emails)
    .bind(&m.subject)
    .bind(&m.body_text)
    .bind(m.sent_at)
    .bind(m.automatic)
    .bind(m.bulk)
    .fetch_one(tx.conn())
    .await?)
}

/// The thread a stored message belongs to.
pub async fn thread_of(tx: &mut Tx, message_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT thread_key FROM crm_email_messages WHERE message_id = $1")
            .bind(message_id)
            .fetch_optional(tx.conn())
            .await?,
    )
}

/// A folder's UIDVALIDITY and last synced UID.
pub async fn folder(tx: &mut Tx, source: Uuid, folder: &str) -> Result<Option<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT uidvalidity, last_uid FROM crm_mailbox_folders WHERE source_id = $1 AND folder = $2",
    )
    .bind(source)
    .bind(folder)
    .fetch_optional(tx.conn())
    .await?)
}

pub async fn set_folder(
    tx: &mut Tx,
    source: Uuid,
    folder: &str,
    uidvalidity: i64,
    last_uid: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO crm_mailbox_folders (source_id, folder, uidvalidity, last_uid, synced_at) \
         VALUES ($1, $2, $3, $4, now()) \
         ON CONFLICT (client_id, source_id, folder) DO UPDATE \
         SET uidvalidity = EXCLUDED.uidvalidity, last_uid = EXCLUDED.last_uid, synced_at = now()",
    )
    .bind(source)
    .bind(folder)
    .bind(uidvalidity)
    .bind(last_uid)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Addresses written to and heard from (both ways) in this mailbox, by
/// people (no automatic or bulk mail), with a name when one was given.
pub async fn two_way(tx: &mut Tx, source: Uuid) -> Result<Vec<(String, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT i.from_email, max(i.from_name) FROM crm_email_messages i \
         WHERE i.source_id = $1 AND i.direction = 'in' AND NOT i.automatic AND NOT i.bulk \
           AND EXISTS (SELECT 1 FROM crm_email_messages o WHERE o.source_id = $1 \
                       AND o.direction = 'out' AND i.from_email = ANY (o.to_emails)) \
         GROUP BY i.from_email ORDER BY i.from_email",
    )
    .bind(source)
    .fetch_all(tx.conn())
    .await?)
}

/// A message exchanged with `address`, as the timeline logs it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Exchanged {
    pub message_id: String,
    pub direction: String,
    pub subject: Option<String>,
    pub sent_at: DateTime<Utc>,
    pub in_reply_to: Option<String>,
    pub automatic: bool,
    pub thread_key: String,
}

pub async fn with_address(tx: &mut Tx, address: &str) -> Result<Vec<Exchanged>> {
    Ok(sqlx::query_as(
        "SELECT message_id, direction, subject, sent_at, in_reply_to, automatic, thread_key \
         FROM crm_email_messages \
         WHERE (direction = 'in' AND from_email = lower($1)) \
            OR (direction = 'out' AND lower($1) = ANY (to_emails)) \
         ORDER BY sent_at, message_id",
    )
    .bind(address)
    .fetch_all(tx.conn())
    .await?)
}

/// Threads exchanged with `address`.
pub async fn thread_count(tx: &mut Tx, address: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(DISTINCT thread_key) FROM crm_email_messages \
         WHERE (direction = 'in' AND from_email = lower($1)) \
            OR (direction = 'out' AND lower($1) = ANY (to_emails))",
    )
    .bind(address)
    .fetch_one(tx.conn())
    .await?)
}
