//! Enrichment bookkeeping: which contacts are due a lookup (never
//! enriched, or longer ago than the refresh age, and not looked up within
//! it, matched or not), the lookups themselves, and the month's billed
//! credits.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{contacts, Result, Tx};
use redkey_types::{Company, Contact};

/// Contacts with an email that are due a lookup, oldest first.
pub async fn due(tx: &mut Tx, refresh_days: i32, limit: i64) -> Result<Vec<Contact>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {} FROM crm_contacts c \
         WHERE c.email IS NOT NULL \
           AND (c.enriched_at IS NULL OR c.enriched_at < now() - make_interval(days => $1)) \
           AND NOT EXISTS (SELECT 1 FROM crm_enrichment_lookups l WHERE l.contact_id = c.id \
                           AND l.looked_up_at > now() - make_interval(days => $1)) \
         ORDER BY c.created_at, c.id LIMIT $2",
        contacts::COLUMNS
    ))
    .bind(refresh_days)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

pub async fn record(
    tx: &mut Tx,
    contact: Uuid,
    provider: &str,
    matched: bool,
    billed: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO crm_enrichment_lookups (contact_id, provider, outcome, billed) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(contact)
    .bind(provider)
    .bind(if matched { "matched" } else { "no_match" })
    .bind(billed)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Billed lookups since `from` (the start of the client's month).
pub async fn billed_since(tx: &mut Tx, from: DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM crm_enrichment_lookups WHERE billed AND looked_up_at >= $1",
    )
    .bind(from)
    .fetch_one(tx.conn())
    .await?)
}

/// The client's company with this domain (any case), if any.
pub async fn company_by_domain(tx: &mut Tx, domain: &str) -> Result<Option<Company>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {} FROM crm_companies WHERE lower(domain) = lower($1) ORDER BY created_at LIMIT 1",
        super::companies::COLUMNS
    ))
    .bind(domain)
    .fetch_optional(tx.conn())
    .await?)
}
