//! Archiving (soft delete) and the trash: restoring what was archived.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, TrashItem};

/// Items shown in the trash, most recently archived first.
#[cfg(feature = "ssr")]
const TRASH_SHOWN: i64 = 500;

/// What the trash holds, and how many days it keeps things.
#[server]
pub async fn load_trash() -> Result<(Vec<TrashItem>, u64), AppError> {
    use crate::ssr::{cockpit, db, session::human_read};
    let days = cockpit::config()
        .map(|c| c.trash_days)
        .ok_or(AppError::Internal)?;
    let (mut tx, _) = human_read().await?;
    Ok((db::trash::list(&mut tx, TRASH_SHOWN).await?, days))
}

/// Archives a contact, company or deal (then shows the trash, where it can
/// be restored), or a note or to-do (staying on the page).
#[server]
pub async fn archive_record(kind: String, id: Uuid) -> Result<(), AppError> {
    use crate::model::ArchivedKind;
    use crate::ssr::{db, session::human_tx};
    let kind = ArchivedKind::parse(&kind).ok_or(AppError::NotFound)?;
    let (mut tx, _) = human_tx().await?;
    db::audit::archive(&mut tx, db::trash::audit_kind(kind), id).await?;
    tx.commit().await?;
    if matches!(
        kind,
        ArchivedKind::Contact | ArchivedKind::Company | ArchivedKind::Deal
    ) {
        leptos_axum::redirect("/trash");
    }
    Ok(())
}

#[server]
pub async fn restore_record(kind: String, id: Uuid) -> Result<(), AppError> {
    use crate::model::ArchivedKind;
    use crate::ssr::{db, session::human_tx};
    let kind = ArchivedKind::parse(&kind).ok_or(AppError::NotFound)?;
    let (mut tx, _) = human_tx().await?;
    db::trash::restore(&mut tx, kind, id).await?;
    tx.commit().await?;
    Ok(())
}
