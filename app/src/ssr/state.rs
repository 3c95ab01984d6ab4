use leptos::prelude::*;

use super::db::Db;

/// The data layer, provided to every server function by the server's handler.
pub fn database() -> Result<Db, ServerFnError> {
    use_context::<Db>().ok_or_else(|| ServerFnError::new("database is not available"))
}
