//! The trash (`crm_trash`): what was archived, restorable through
//! `crm_restore` until arlo purges it (`crm_purge_trash`, agent only).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{audit, Result, Tx};
use redkey_types::{ArchivedKind, TrashItem};

/// The archive kind `crm_archive`/`crm_restore` know it by.
pub fn audit_kind(kind: ArchivedKind) -> audit::Kind {
    match kind {
        ArchivedKind::Contact => audit::Kind::Contact,
        ArchivedKind::Company => audit::Kind::Company,
        ArchivedKind::Deal => audit::Kind::Deal,
        ArchivedKind::Note => audit::Kind::Note,
        ArchivedKind::Attachment => audit::Kind::Attachment,
        ArchivedKind::Todo => audit::Kind::Todo,
    }
}

/// The most recently archived first.
pub async fn list(tx: &mut Tx, limit: i64) -> Result<Vec<TrashItem>> {
    Ok(sqlx::query_as(
        "SELECT kind, id, label, deleted_at FROM crm_trash \
         ORDER BY deleted_at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// Deletes for good what was archived before `before`; how many went.
pub async fn purge(tx: &mut Tx, before: DateTime<Utc>) -> Result<i32> {
    Ok(sqlx::query_scalar("SELECT crm_purge_trash($1)")
        .bind(before)
        .fetch_one(tx.conn())
        .await?)
}

/// Puts an archived record back.
pub async fn restore(tx: &mut Tx, kind: ArchivedKind, id: Uuid) -> Result<()> {
    audit::restore(tx, audit_kind(kind), id).await
}
