//! Synced calendar events: what each resource (href) held at its ETag, as
//! occurrences in the window.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Result, Tx};

#[derive(Clone, Debug)]
pub struct Occurrence {
    pub uid: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: Option<String>,
    pub attendees: Vec<String>,
    pub cancelled: bool,
}

/// An occurrence as stored: uid, start, end, title, attendees.
type Stored = (
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<String>,
    Vec<String>,
);

/// Each known resource and its ETag.
pub async fn etags(tx: &mut Tx, source: Uuid) -> Result<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT DISTINCT href, etag FROM crm_calendar_events WHERE source_id = $1")
            .bind(source)
            .fetch_all(tx.conn())
            .await?,
    )
}

/// Replaces what `href` held with `occurrences` (at `etag`); the ones that
/// are gone come back as cancelled.
pub async fn replace(
    tx: &mut Tx,
    source: Uuid,
    href: &str,
    etag: &str,
    occurrences: &[Occurrence],
) -> Result<Vec<Occurrence>> {
    let before: Vec<Stored> = sqlx::query_as(
        "SELECT uid, starts_at, ends_at, summary, attendees FROM crm_calendar_events \
             WHERE source_id = $1 AND href = $2 AND NOT cancelled",
    )
    .bind(source)
    .bind(href)
    .fetch_all(tx.conn())
    .await?;
    let gone: Vec<Occurrence> = before
        .into_iter()
        .filter(|(uid, start, ..)| {
            !occurrences
                .iter()
                .any(|o| &o.uid == uid && o.starts_at == *start && !o.cancelled)
        })
        .map(|(uid, starts_at, ends_at, summary, attendees)| Occurrence {
            uid,
            starts_at,
            ends_at,
            summary,
            attendees,
            cancelled: true,
        })
        .collect();
    for o in occurrences.iter().chain(&gone) {
        sqlx::query(
            "INSERT INTO crm_calendar_events (source_id, href, etag, uid, starts_at, ends_at, \
                                              summary, attendees, cancelled) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (client_id, source_id, uid, starts_at) DO UPDATE \
             SET etag = EXCLUDED.etag, ends_at = EXCLUDED.ends_at, summary = EXCLUDED.summary, \
                 attendees = EXCLUDED.attendees, cancelled = EXCLUDED.cancelled, synced_at = now()",
        )
        .bind(source)
        .bind(href)
        .bind(etag)
        .bind(&o.uid)
        .bind(o.starts_at)
        .bind(o.ends_at)
        .bind(&o.summary)
        .bind(&o.attendees)
        .bind(o.cancelled)
        .execute(tx.conn())
        .await?;
    }
    Ok(gone)
}

/// A contact's meetings from `from` on, soonest first (the contact page).
pub async fn upcoming(
    tx: &mut Tx,
    email: &str,
    from: DateTime<Utc>,
) -> Result<Vec<(String, DateTime<Utc>)>> {
    Ok(sqlx::query_as(
        "SELECT coalesce(summary, 'Meeting'), starts_at FROM crm_calendar_events \
         WHERE lower($1) = ANY (attendees) AND starts_at >= $2 AND NOT cancelled \
         ORDER BY starts_at LIMIT 10",
    )
    .bind(email)
    .bind(from)
    .fetch_all(tx.conn())
    .await?)
}
