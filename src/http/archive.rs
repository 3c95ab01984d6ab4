//! The client's data rights from Settings → Members, for an admin:
//! "Download everything" (the archive `redkey export` writes; a zip's
//! directory comes last, so it is built in an unnamed temporary file,
//! removed as soon as it is open, and streamed from there) and erasing a
//! person on request (what `redkey forget` does, in this client).

use std::io::{BufWriter, Seek, SeekFrom};

use axum::{
    body::Body,
    extract::{Form, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension,
};
use indicatif::ProgressBar;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use app::ssr::session::{current, Checked};
use redkey_data::{erasure, settings::is_admin, Actor, ClientId, DbError};
use redkey_types::{format::urlencode, EmailAddress};

use super::AppState;
use crate::admin::export::write_archive;

pub async fn download(
    State(state): State<AppState>,
    Extension(Checked(me)): Extension<Checked>,
) -> Response {
    match build(&state, me.client, me.user).await {
        Ok(Some((slug, file))) => {
            let name = format!(
                "attachment; filename=\"redkey-{slug}-{}.zip\"",
                chrono::Utc::now().format("%Y-%m-%d")
            );
            let body = Body::from_stream(tokio_util::io::ReaderStream::new(
                tokio::fs::File::from_std(file),
            ));
            (
                [
                    (header::CONTENT_TYPE, "application/zip".to_string()),
                    (header::CONTENT_DISPOSITION, name),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                body,
            )
                .into_response()
        }
        Ok(None) => (
            StatusCode::FORBIDDEN,
            "only an admin of this client exports its records",
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "exporting a client's records");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The client's slug and the finished archive, read back from its start;
/// `None` when the person is not an admin of the client.
async fn build(
    state: &AppState,
    client: Uuid,
    user: Uuid,
) -> anyhow::Result<Option<(String, std::fs::File)>> {
    let mut tx = state
        .db
        .begin_snapshot(ClientId(client), Actor::User(user))
        .await?;
    if !is_admin(&mut tx).await? {
        return Ok(None);
    }
    let me = redkey_data::current_client(&mut tx).await?;
    let path = std::env::temp_dir().join(format!("redkey-export-{}.zip", Uuid::new_v4()));
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    let writer = BufWriter::new(file.try_clone()?);
    write_archive(
        tx.bare(),
        state.files.as_ref(),
        &me.name,
        writer,
        &ProgressBar::hidden(),
    )
    .await?;
    drop(tx);
    file.seek(SeekFrom::Start(0))?;
    Ok(Some((me.slug, file)))
}

#[derive(Deserialize)]
pub struct ForgetForm {
    email: String,
}

/// Erases the person with this address in the signed-in client, then their
/// stored files; back to the Members page with the outcome.
pub async fn forget(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<ForgetForm>,
) -> Response {
    let Ok(Some(me)) = current(&session).await else {
        return (StatusCode::UNAUTHORIZED, "please sign in").into_response();
    };
    let back = |key: &str, value: &str| {
        Redirect::to(&format!(
            "/settings/members?{key}={}#data-heading",
            urlencode(value)
        ))
        .into_response()
    };
    let email = match EmailAddress::parse(&form.email) {
        Ok(e) => e,
        Err(e) => return back("forget_error", &e.to_string()),
    };
    let done = async {
        let mut tx = state
            .db
            .begin(ClientId(me.client), Actor::User(me.user))
            .await?;
        let erased = erasure::forget(&mut tx, email.as_str()).await?;
        tx.commit().await?;
        Ok::<_, DbError>(erased)
    }
    .await;
    match done {
        Ok(erased) => {
            for key in &erased.file_keys {
                // The rows are gone; a file left behind is logged (by key,
                // never by name) to be removed by hand.
                if let Err(e) = state.files.delete(key).await {
                    tracing::error!(error = %e, key, "deleting an erased person's file");
                }
            }
            let removed: i64 = erased.removed.values().sum();
            back("erased", &removed.to_string())
        }
        Err(DbError::Forbidden(_)) => back("forget_error", "only an admin erases a person"),
        Err(e) => {
            tracing::error!(error = %e, "erasing a person");
            back("forget_error", "the erasure failed; nothing was removed")
        }
    }
}
