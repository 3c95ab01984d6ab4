//! `POST /import/upload`: a CSV file and what it holds (contacts,
//! companies or deals) from the import page's multipart form (works
//! without JavaScript), under its own size limit. The file is stored with
//! the guessed meaning of its columns and the answer is a redirect to its
//! column-matching page; a refusal goes back to the import page with the
//! reason. Nothing is imported yet.

use axum::{
    extract::{Multipart, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use redkey_data::{imports, Actor, ClientId, DbError};
use redkey_types::TableKind;
use tower_sessions::Session;

use super::{
    files::{back, read_upload},
    AppState,
};
use app::ssr::session::current;

pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let Ok(Some(me)) = current(&session).await else {
        return (StatusCode::UNAUTHORIZED, "please sign in").into_response();
    };
    let max = state.cockpit.import_max_bytes;
    let up = match read_upload(&headers, &mut form, max, "a file to import").await {
        Ok(up) => up,
        Err(r) => return r,
    };
    let kind = up.fields.get("kind").map_or("", String::as_str);
    let file = up.file;
    let Some(kind) = TableKind::parse(kind) else {
        return back(&headers, Some("choose contacts, companies or deals"));
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return back(&headers, Some("choose a CSV file first"));
    };
    let Ok(content) = String::from_utf8(bytes) else {
        return back(
            &headers,
            Some("the file is not UTF-8 text: save it as “CSV UTF-8”"),
        );
    };
    if content.contains('\0') {
        return back(&headers, Some("the file is not text"));
    }
    let stored = async {
        let mut tx = state
            .db
            .begin(ClientId(me.client), Actor::User(me.user))
            .await?;
        let id = imports::create(&mut tx, kind, &name, &content).await?;
        tx.commit().await?;
        Ok::<_, DbError>(id)
    }
    .await;
    match stored {
        Ok(id) => Redirect::to(&format!("/import/{id}")).into_response(),
        Err(DbError::Invalid(why)) => back(&headers, Some(&why)),
        Err(e) => {
            tracing::error!(error = %e, "storing an import");
            back(&headers, Some("the file could not be stored; try again"))
        }
    }
}
