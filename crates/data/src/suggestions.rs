//! Suggestions: strategic changes arlo inferred (a meeting note says "talk
//! again in March") that a person accepts or dismisses. Arlo only ever
//! inserts them; accepting is the person's own write.

use serde_json::Value;
use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::{RecordRef, SuggestedField, Suggestion};

#[derive(Clone, Debug)]
pub struct NewSuggestion {
    pub record: RecordRef,
    pub field: SuggestedField,
    pub proposed: Value,
    pub why: String,
    /// Where it was inferred from (`activity:<id>`): the same source
    /// suggests the same field of a record once.
    pub source: String,
}

/// Records a suggestion unless the same source already suggested this
/// field of this record; the new id, or None.
pub async fn suggest(tx: &mut Tx, s: &NewSuggestion) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO crm_suggestions (record_kind, record_id, field, proposed, why, source) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(s.record.kind)
    .bind(s.record.id)
    .bind(s.field)
    .bind(&s.proposed)
    .bind(&s.why)
    .bind(&s.source)
    .fetch_optional(tx.conn())
    .await?)
}

const SELECT: &str = "SELECT s.id, s.record_kind, s.record_id, \
        coalesce(btrim(p.first_name || ' ' || p.last_name), c.name, d.name, '') AS record_label, \
        s.field, s.proposed, s.why, s.source, s.status, s.created_at \
     FROM crm_suggestions s \
     LEFT JOIN crm_contacts p ON s.record_kind = 'contact' AND p.id = s.record_id \
     LEFT JOIN crm_companies c ON s.record_kind = 'company' AND c.id = s.record_id \
     LEFT JOIN crm_deals d ON s.record_kind = 'deal' AND d.id = s.record_id";

/// Open suggestions on live records, newest first.
pub async fn open(tx: &mut Tx, limit: i64) -> Result<Vec<Suggestion>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE s.status = 'open' \
           AND coalesce(p.id, c.id, d.id) IS NOT NULL \
         ORDER BY s.created_at DESC, s.id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// A person accepts or dismisses an open suggestion; returns it as it was.
/// Applying an accepted one is the caller's write in the same transaction.
pub async fn decide(tx: &mut Tx, id: Uuid, accept: bool) -> Result<Suggestion> {
    sqlx::query("SELECT crm_decide_suggestion($1, $2)")
        .bind(id)
        .bind(accept)
        .execute(tx.conn())
        .await?;
    Ok(sqlx::query_as(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_one(tx.conn())
        .await?)
}
