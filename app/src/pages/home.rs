use leptos::prelude::*;
use leptos_meta::Title;

use crate::server_fns::status::DatabaseStatus;

/// The landing page: proves the server-function round trip to Postgres.
#[component]
pub fn Home() -> impl IntoView {
    let check = ServerAction::<DatabaseStatus>::new();
    let result = check.value();
    view! {
        <Title text="Cockpit" />
        <h1>"Cockpit"</h1>
        <section class="card" aria-labelledby="db-heading">
            <h2 id="db-heading">"Database"</h2>
            <ActionForm action=check>
                <button type="submit" id="check-db">"Check database"</button>
            </ActionForm>
            <p id="db-status" role="status">
                {move || match result.get() {
                    None => "Not checked yet.".to_string(),
                    Some(Ok(s)) => format!(
                        "Connected to PostgreSQL {}, schema version {}.",
                        s.server_version,
                        s.schema_version,
                    ),
                    Some(Err(e)) => format!("Database check failed: {e}"),
                }}
            </p>
        </section>
    }
}
