//! `database.backup`, daily: the whole database in Postgres' own format
//! (`redkey backup`'s file) into the file store under `backups/`, keeping
//! the newest `REDKEY_BACKUP_KEEP`. The timer ticks for every client; the
//! database's first client's task takes the one backup, the others skip.

use std::sync::Arc;

use chrono::Utc;
use redkey_types::Task;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{handlers::TaskError, Engine};
use crate::{config::DatabaseUrl, files::FileStore};

/// Where backups come from (the owner credential: Postgres' dump must read
/// every client's rows) and where they go.
pub struct Backups {
    pub owner: DatabaseUrl,
    pub files: Arc<dyn FileStore>,
}

const PREFIX: &str = "backups/redkey-";

pub async fn run(engine: &Engine, task: &Task) -> Result<Value, TaskError> {
    let keep = engine.inner.cfg.backup_keep as usize;
    let Some(b) = engine.inner.backups.as_ref().filter(|_| keep > 0) else {
        return Ok(json!({ "skipped": "backups are off (REDKEY_BACKUP_KEEP)" }));
    };
    let retry = |e: anyhow::Error| TaskError::Retry(crate::admin::one_line(&e));
    let owner = crate::admin::owner_pool(&b.owner).await.map_err(retry)?;
    let first: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM workspaces ORDER BY created_at, id LIMIT 1")
            .fetch_optional(&owner)
            .await
            .map_err(|e| TaskError::Retry(e.to_string()))?;
    if first != Some(task.client_id) {
        owner.close().await;
        return Ok(json!({ "skipped": "the database's first client's task takes the backup" }));
    }
    let tmp = std::env::temp_dir().join(format!("redkey-backup-{}.dump", task.id));
    let done = crate::admin::backup::backup(&b.owner, &owner, &tmp, false).await;
    owner.close().await;
    let done = done.map_err(retry)?;
    let bytes = tokio::fs::read(&tmp).await;
    let _ = tokio::fs::remove_file(&tmp).await;
    let bytes = bytes.map_err(|e| TaskError::Retry(e.to_string()))?;
    let size = bytes.len();
    let key = format!("{PREFIX}{}.dump", Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    b.files.put(&key, bytes).await.map_err(retry)?;
    // Names sort by time: the oldest beyond the newest `keep` go.
    let mut kept: Vec<String> = b
        .files
        .list("backups")
        .await
        .map_err(retry)?
        .into_iter()
        .filter(|k| k.starts_with(PREFIX) && k.ends_with(".dump"))
        .collect();
    kept.sort();
    let excess = kept.len().saturating_sub(keep);
    for old in &kept[..excess] {
        b.files.delete(old).await.map_err(retry)?;
    }
    Ok(json!({
        "key": key, "bytes": size, "schema": done.schema,
        "removed": &kept[..excess], "kept": kept.len() - excess,
    }))
}
