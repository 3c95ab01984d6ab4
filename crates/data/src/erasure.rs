//! Erasing a person on request: the database does the work
//! (`redkey_forget`, migration 0047) inside the caller's transaction, and
//! hands back the keys of the stored files to delete once it commits.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{Result, Tx};

/// What an erasure removed, and the stored files still to delete.
#[derive(Debug)]
pub struct Erased {
    /// Rows removed per kind (counts only, as the erasure record keeps).
    pub removed: BTreeMap<String, i64>,
    pub file_keys: Vec<String>,
}

impl Erased {
    fn from_json(v: Value) -> Self {
        let removed = v["removed"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, n)| (k.clone(), n.as_i64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default();
        let file_keys = v["file_keys"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        Self { removed, file_keys }
    }

    pub fn contacts(&self) -> i64 {
        self.removed.get("contacts").copied().unwrap_or(0)
    }
}

/// Erases `email` in the transaction's client, as the signed-in admin
/// (the database refuses anyone else).
pub async fn forget(tx: &mut Tx, email: &str) -> Result<Erased> {
    let out: Value = sqlx::query_scalar("SELECT crm_forget($1)")
        .bind(email)
        .fetch_one(tx.conn())
        .await?;
    Ok(Erased::from_json(out))
}

/// Erases `email` in `client`, for the owner's command line; committed.
pub async fn forget_as_owner(owner: &PgPool, client: Uuid, email: &str) -> Result<Erased> {
    let mut tx = crate::admin::owner_scoped(owner, client, "BEGIN").await?;
    // Under the client's own path: an attached client's erasure reaches
    // Twenty's people.
    sqlx::query("SELECT set_config('search_path', redkey_search_path(), true)")
        .execute(&mut *tx)
        .await?;
    let out: Value = sqlx::query_scalar("SELECT redkey_forget($1, 'command line')")
        .bind(email)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Erased::from_json(out))
}
