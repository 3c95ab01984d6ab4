//! Search everywhere: the palette's and the search page's one query.

use leptos::prelude::*;

use crate::model::{AppError, Found};

/// Hits shown for one query.
pub const SEARCH_SHOWN: i32 = 20;

/// The client's contacts, companies, deals, notes and to-dos like `q`
/// (typo-tolerant), best first. The query comes back with the hits, so a
/// palette typing faster than answers arrive shows only the latest.
#[server]
pub async fn search_everything(q: String) -> Result<(String, Vec<Found>), AppError> {
    use crate::ssr::{db, session::human_read};
    let text = q.trim();
    if text.is_empty() {
        return Ok((q, vec![]));
    }
    if text.chars().count() > 200 {
        return Err(AppError::Invalid {
            field: Some("q".into()),
            message: "a search is at most 200 characters".into(),
        });
    }
    let (mut tx, _) = human_read().await?;
    let hits = db::search::everything(&mut tx, text, SEARCH_SHOWN).await?;
    Ok((q, hits))
}
