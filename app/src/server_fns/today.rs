//! The Today page: what needs the founder now, and how the client is doing.

use leptos::prelude::*;

use crate::model::{AppError, TodayPage};

/// Everything on Today for the current client, in one transaction that
/// also records the visit ("since your last visit" starts at the one
/// before). The charts come drawn.
#[server]
pub async fn load_today() -> Result<TodayPage, AppError> {
    use crate::ssr::{db::today, session::human_tx};

    let (mut tx, _) = human_tx().await?;
    let (today, charts) = today::load(&mut tx, chrono::Utc::now()).await?;
    tx.commit().await?;
    Ok(TodayPage {
        today,
        charts_html: crate::model::ServerHtml(crate::pages::today::charts_html(charts)),
    })
}
