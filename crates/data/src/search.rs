//! Finding records by (part of) a name, typo-tolerant, within the
//! transaction's client (`crm_search_records`).

use super::{Result, Tx};
use redkey_types::RecordHit;

/// Contacts, companies, deals and stages whose names are like `query`
/// (trigram word similarity), best first, at most `limit` (≤ 100).
pub async fn records(tx: &mut Tx, query: &str, limit: i32) -> Result<Vec<RecordHit>> {
    Ok(
        sqlx::query_as("SELECT kind, id, label, detail, score FROM crm_search_records($1, $2)")
            .bind(query)
            .bind(limit)
            .fetch_all(tx.conn())
            .await?,
    )
}

/// Contacts, companies, deals, notes and to-dos whose names (a note's or
/// to-do's title) are like every word of `query`, best first, at most
/// `limit` (≤ 50): search everywhere.
pub async fn everything(tx: &mut Tx, query: &str, limit: i32) -> Result<Vec<redkey_types::Found>> {
    Ok(
        sqlx::query_as("SELECT kind, id, label, detail, score FROM crm_search_everything($1, $2)")
            .bind(query)
            .bind(limit)
            .fetch_all(tx.conn())
            .await?,
    )
}
