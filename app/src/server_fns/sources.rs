//! The Sources page: website forms and the meeting-notes webhook, per
//! client. Credentials go in once and are never shown again.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, SourcesView};

#[server]
pub async fn load_sources() -> Result<SourcesView, AppError> {
    use crate::ssr::{cockpit, db, session::human_read};
    let (mut tx, _) = human_read().await?;
    let sources = db::sources::list(&mut tx).await?;
    let client_slug = db::current_client(&mut tx).await?.slug;
    let sequences = db::sequences::names(&mut tx).await?;
    let config = cockpit::config().unwrap_or_default();
    let base_url = match config.public_url.clone() {
        Some(url) => url,
        None => {
            let headers: axum::http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1:3000");
            format!("http://{host}")
        }
    };
    Ok(SourcesView {
        sources,
        base_url: base_url.trim_end_matches('/').to_string(),
        client_slug,
        secrets_configured: use_context::<db::secrets::SecretBox>().is_some(),
        sequences,
        oauth_providers: config.mail_oauth.clone(),
    })
}

/// The names of the form's fields, as the site's HTML has them.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldNames {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub message: String,
}

/// A new website form; origins one per line (or comma-separated).
#[server]
pub async fn create_form(
    name: String,
    origins: String,
    thank_you_url: String,
    sequence: String,
    fields: FieldNames,
) -> Result<Uuid, AppError> {
    use crate::model::{FormFields, FormSettings, SourceKind};
    use crate::ssr::{db::sources, session::human_tx};
    let name = crate::server_fns::forms::text(&name)
        .ok_or_else(|| AppError::invalid("name", "give the form a name"))?;
    let allowed_origins: Vec<String> = origins
        .split([',', '\n', ' '])
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if let Some(bad) = allowed_origins.iter().find(|o| {
        !(o.starts_with("https://") || o.starts_with("http://")) || o.matches('/').count() > 2
    }) {
        return Err(AppError::invalid(
            "origins",
            format!("{bad:?} is not an origin like https://example.com"),
        ));
    }
    let thank_you = crate::server_fns::forms::text(&thank_you_url);
    if thank_you
        .as_deref()
        .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
    {
        return Err(AppError::invalid("thank_you_url", "an http(s) address"));
    }
    let field = |given: &str, default: String, what: &str| -> Result<String, AppError> {
        let name = given.trim();
        if name.is_empty() {
            return Ok(default);
        }
        if name.len() > 100 || name.contains(['"', '<', '>', '&']) {
            return Err(AppError::invalid(what, "a plain field name"));
        }
        Ok(name.to_string())
    };
    let d = FormFields::default();
    let fields = FormFields {
        email: field(&fields.email, d.email, "fields.email")?,
        first_name: field(&fields.first_name, d.first_name, "fields.first_name")?,
        last_name: field(&fields.last_name, d.last_name, "fields.last_name")?,
        company: field(&fields.company, d.company, "fields.company")?,
        message: field(&fields.message, d.message, "fields.message")?,
        ..d
    };
    let sequence_id = crate::server_fns::forms::pick(&sequence, "sequence")?;
    let settings = FormSettings {
        allowed_origins,
        thank_you_url: thank_you,
        fields,
        sequence_id,
        ..FormSettings::default()
    };
    let (mut tx, _) = human_tx().await?;
    if let Some(seq) = sequence_id {
        crate::ssr::db::sequences::get(&mut tx, seq).await?;
    }
    let value = serde_json::to_value(&settings).map_err(|_| AppError::Internal)?;
    let form = sources::create(&mut tx, SourceKind::Form, &name, &value).await?;
    tx.commit().await?;
    Ok(form.id)
}

/// Sets the meeting-notes webhook's signing secret (creating the source on
/// first use); it is sealed at once and never shown again.
#[server]
pub async fn set_notes_secret(secret: String) -> Result<(), AppError> {
    use crate::model::SourceKind;
    use crate::ssr::{db, session::human_tx};
    let store = use_context::<db::secrets::SecretBox>().ok_or_else(|| {
        AppError::invalid(
            "secret",
            "set REDKEY_SECRET_KEY on the server to store secrets",
        )
    })?;
    if secret.trim().len() < 16 {
        return Err(AppError::invalid("secret", "at least 16 characters"));
    }
    let (mut tx, _) = human_tx().await?;
    let existing = db::sources::list(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.kind == SourceKind::Quill);
    let id = match existing {
        Some(s) => s.id,
        None => {
            db::sources::create(
                &mut tx,
                SourceKind::Quill,
                "Quill meeting notes",
                &serde_json::json!({}),
            )
            .await?
            .id
        }
    };
    db::sources::set_secret(&mut tx, &store, id, secret.trim()).await?;
    tx.commit().await?;
    Ok(())
}

/// Connects the signed-in person's mailbox: theirs alone (its bodies are
/// shown to them only unless shared), the password sealed at once.
#[server]
#[allow(clippy::too_many_arguments)]
pub async fn connect_mailbox(
    address: String,
    host: String,
    port: String,
    username: String,
    password: String,
    privacy: String,
    share: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::model::{EmailAddress, SourceKind};
    use crate::ssr::{db, session::human_tx};
    let store = use_context::<db::secrets::SecretBox>().ok_or_else(|| {
        AppError::invalid(
            "password",
            "set REDKEY_SECRET_KEY on the server to store passwords",
        )
    })?;
    let address = EmailAddress::parse(address.trim())
        .map_err(|_| AppError::invalid("address", "the mailbox's email address"))?;
    let host = host.trim().to_string();
    if host.is_empty() || host.contains(['/', ' ', ':']) {
        return Err(AppError::invalid(
            "host",
            "a host name like imap.example.com",
        ));
    }
    let port: u16 = port
        .trim()
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| AppError::invalid("port", "a port number (993 for IMAP over TLS)"))?;
    if username.trim().is_empty() || password.is_empty() {
        return Err(AppError::invalid(
            "password",
            "the user name and password are required",
        ));
    }
    if !matches!(privacy.as_str(), "metadata" | "subject" | "full") {
        return Err(AppError::invalid("privacy", "metadata, subject or full"));
    }
    let settings = serde_json::json!({
        "host": host, "port": port, "security": "tls", "username": username.trim(),
        "address": address.as_str(), "privacy": privacy, "share_bodies": share.is_some(),
    });
    let (mut tx, me) = human_tx().await?;
    let name = format!("Mailbox {}", address.as_str());
    let source =
        db::sources::create_owned(&mut tx, SourceKind::Imap, &name, &settings, Some(me.user))
            .await?;
    db::sources::set_secret(&mut tx, &store, source.id, &password).await?;
    tx.commit().await?;
    Ok(source.id)
}

/// Connects a calendar (a CalDAV collection) for the client's meetings;
/// the password sealed at once.
#[server]
pub async fn connect_calendar(
    url: String,
    username: String,
    password: String,
    address: String,
) -> Result<Uuid, AppError> {
    use crate::model::{EmailAddress, SourceKind};
    use crate::ssr::{db, session::human_tx};
    let store = use_context::<db::secrets::SecretBox>().ok_or_else(|| {
        AppError::invalid(
            "cal-password",
            "set REDKEY_SECRET_KEY on the server to store passwords",
        )
    })?;
    let url = url.trim().to_string();
    if !url.starts_with("https://") {
        return Err(AppError::invalid(
            "cal-url",
            "the calendar's https:// address",
        ));
    }
    let address = EmailAddress::parse(address.trim())
        .map_err(|_| AppError::invalid("cal-address", "your email address"))?;
    if username.trim().is_empty() || password.is_empty() {
        return Err(AppError::invalid(
            "cal-password",
            "the user name and password are required",
        ));
    }
    let settings = serde_json::json!({
        "url": url, "username": username.trim(), "address": address.as_str(),
    });
    let (mut tx, me) = human_tx().await?;
    let name = format!("Calendar {}", address.as_str());
    let source =
        db::sources::create_owned(&mut tx, SourceKind::Caldav, &name, &settings, Some(me.user))
            .await?;
    db::sources::set_secret(&mut tx, &store, source.id, &password).await?;
    tx.commit().await?;
    Ok(source.id)
}
