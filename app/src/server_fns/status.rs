use leptos::prelude::*;

use crate::model::{AppError, DbStatus};

/// The database's version and schema, for a signed-in person; a failure
/// says only that it failed (the reason goes to the server's log).
#[server]
pub async fn database_status() -> Result<DbStatus, AppError> {
    crate::ssr::session::require().await?;
    let db = use_context::<crate::ssr::db::Db>().ok_or(AppError::Internal)?;
    crate::ssr::db::status(&db).await.map_err(|e| {
        tracing::error!(error = %e, "database status");
        AppError::Internal
    })
}
