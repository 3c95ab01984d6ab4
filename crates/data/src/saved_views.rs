//! Saved views of the tables (`crm_saved_views`): a person's own and the
//! shared ones; only their author replaces or deletes them (the functions
//! write the signed-in person's rows alone).

use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::{SavedView, TableKind};

/// The views of one table the person may use: theirs first, then the
/// shared ones, each by name.
pub async fn of(tx: &mut Tx, kind: TableKind) -> Result<Vec<SavedView>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, name, query, shared, mine FROM crm_saved_views \
         WHERE kind = $1 ORDER BY NOT mine, lower(name), id",
    )
    .bind(kind)
    .fetch_all(tx.conn())
    .await?)
}

/// Saves the person's view under `name`, replacing theirs of that name.
pub async fn save(
    tx: &mut Tx,
    kind: TableKind,
    name: &str,
    query: &str,
    shared: bool,
) -> Result<Uuid> {
    Ok(sqlx::query_scalar("SELECT crm_save_view($1, $2, $3, $4)")
        .bind(kind)
        .bind(name)
        .bind(query)
        .bind(shared)
        .fetch_one(tx.conn())
        .await?)
}

pub async fn delete(tx: &mut Tx, id: Uuid) -> Result<()> {
    sqlx::query("SELECT crm_delete_view($1)")
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}
