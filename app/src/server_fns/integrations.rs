//! Settings → Integrations: the outside APIs the client uses, as arlo last
//! found them, and an admin's changes to where they are and which key they
//! use (effective on the next call, without a restart).

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, Integration};

#[server]
pub async fn load_integrations() -> Result<Vec<Integration>, AppError> {
    let (mut tx, _) = super::settings::admin_read().await?;
    Ok(crate::ssr::db::api_library::list(&mut tx).await?)
}

/// Saves an integration's address and rate limit; a key typed here is
/// sealed at once and never shown again; `clear_key` goes back to the
/// configured one.
#[server]
pub async fn save_integration(
    id: Uuid,
    base_url: String,
    rate_per_minute: String,
    key: String,
    clear_key: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::db;
    let base_url = base_url.trim().trim_end_matches('/');
    let scheme_ok = ["https://", "http://", "imaps://", "imap://"]
        .iter()
        .any(|s| base_url.starts_with(s));
    if !scheme_ok || base_url.len() > 500 || base_url.contains(char::is_whitespace) {
        return Err(AppError::invalid("base_url", "an https:// address"));
    }
    let rate = match rate_per_minute.trim() {
        "" => None,
        n => Some(n.parse::<i32>().ok().filter(|n| *n > 0).ok_or_else(|| {
            AppError::invalid("rate_per_minute", "a whole number above 0, or empty")
        })?),
    };
    let key = key.trim();
    let sealed = if key.is_empty() {
        None
    } else {
        let store = use_context::<db::secrets::SecretBox>().ok_or_else(|| {
            AppError::invalid("key", "set REDKEY_SECRET_KEY on the server to store keys")
        })?;
        Some(store.seal(key, id.as_bytes()))
    };
    let (mut tx, _) = super::settings::admin_tx().await?;
    db::api_library::set(
        &mut tx,
        id,
        base_url,
        rate,
        sealed.as_deref(),
        clear_key.is_some() && sealed.is_none(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
