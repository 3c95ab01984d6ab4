//! The files of a record, for its panel (uploads and downloads are plain
//! HTTP routes of the server: `/files/upload`, `/files/{id}`).

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, FileList};

#[server]
pub async fn files_for(kind: String, id: Uuid) -> Result<FileList, AppError> {
    use crate::ssr::{cockpit, db, session::human_read};
    let target = super::editing::note_target(&kind, id)?;
    let max_bytes = cockpit::config()
        .map(|c| c.upload_max_bytes)
        .ok_or(AppError::Internal)?;
    let (mut tx, _) = human_read().await?;
    Ok(FileList {
        files: db::files::of(&mut tx, target).await?,
        max_bytes,
    })
}
