//! Settings → Members → "Download everything": the archive `redkey export`
//! writes, for an admin of the signed-in client. A zip's directory comes
//! last, so it is built in an unnamed temporary file (removed as soon as it
//! is open) and streamed from there; nothing stays on disk.

use std::io::{BufWriter, Seek, SeekFrom};

use axum::{
    body::Body,
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use indicatif::ProgressBar;
use uuid::Uuid;

use app::ssr::session::Checked;
use redkey_data::{settings::is_admin, Actor, ClientId};

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
        tx.conn(),
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
