use leptos::prelude::*;

use crate::model::DbStatus;

#[server]
pub async fn database_status() -> Result<DbStatus, ServerFnError> {
    let db = crate::ssr::state::database()?;
    crate::ssr::db::status(&db)
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))
}
