//! Files over HTTP. Upload: a multipart form from a record page (works
//! without JavaScript), its own size limit, the type sniffed and the name
//! made safe; the answer is a redirect back to the page (with the reason
//! when refused). Download: only for signed-in members of the file's
//! client — another client's id, an archived file and a missing one all
//! read as 404 — served with the sniffed type, inline only for images and
//! PDFs, and sandboxed.

use axum::{
    extract::{multipart::Field, Multipart, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension,
};
use redkey_data::{
    files::{self, NewFile},
    notes::Target,
    Actor, ClientId,
};
use tower_sessions::Session;
use uuid::Uuid;

use super::AppState;
use crate::files::{safe_name, sniff};
use app::ssr::session::{current, Checked, SignedIn};

/// A multipart form from a cockpit page: its text fields and one file.
#[derive(Default)]
pub(super) struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
}

impl Upload {
    fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// Reads a form whose file field is `file`, holding the file to `max`
/// bytes; past it, the form goes back to its page saying so (`what` is
/// "a file", "a file to import").
pub(super) async fn read_upload(
    headers: &HeaderMap,
    form: &mut Multipart,
    max: u64,
    what: &str,
) -> Result<Upload, Response> {
    let mut up = Upload::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(up),
            Err(e) => return Err((e.status(), e.body_text()).into_response()),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = safe_name(field.file_name().unwrap_or_default());
            match read_limited(field, max).await? {
                Some(bytes) => up.file = Some((file_name, bytes)),
                None => {
                    let mb = max >> 20;
                    return Err(back(
                        headers,
                        Some(&format!("{what} may be at most {mb} MB")),
                    ));
                }
            }
        } else {
            up.fields
                .insert(name, field.text().await.unwrap_or_default());
        }
    }
}

pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let Ok(Some(me)) = current(&session).await else {
        return (StatusCode::UNAUTHORIZED, "please sign in").into_response();
    };
    let up = match read_upload(
        &headers,
        &mut form,
        state.cockpit.upload_max_bytes,
        "a file",
    )
    .await
    {
        Ok(up) => up,
        Err(r) => return r,
    };
    match store(&state, &me, up).await {
        Ok(()) => back(&headers, None),
        Err(message) => back(&headers, Some(&message)),
    }
}

/// The field's bytes, or `None` past `max`.
async fn read_limited(mut field: Field<'_>, max: u64) -> Result<Option<Vec<u8>>, Response> {
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if (bytes.len() + chunk.len()) as u64 > max {
                    return Ok(None);
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(Some(bytes)),
            Err(e) => return Err((e.status(), e.body_text()).into_response()),
        }
    }
}

/// Checks the record, keeps the bytes, then records the file: a crash in
/// between leaves unreferenced bytes, never a row without its file.
async fn store(state: &AppState, me: &SignedIn, up: Upload) -> Result<(), String> {
    let id: Uuid = up
        .text("id")
        .parse()
        .map_err(|_| "no such record".to_string())?;
    let target = Target::parse(up.text("kind"), id).ok_or_else(|| "no such record".to_string())?;
    let (name, bytes) = up
        .file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| "choose a file first".to_string())?;
    let (content_type, category) = sniff(&bytes);
    let key = format!("{}/{}", me.client, Uuid::new_v4());
    let size = bytes.len() as i64;
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "storing an upload");
        "the file could not be stored; try again".to_string()
    };
    let mut tx = state
        .db
        .begin(ClientId(me.client), Actor::User(me.user))
        .await
        .map_err(|e| failed(&e))?;
    // The record must be this client's before anything is kept.
    let exists: Option<Uuid> = sqlx::query_scalar(match target {
        Target::Contact(_) => "SELECT id FROM crm_contacts WHERE id = $1",
        Target::Company(_) => "SELECT id FROM crm_companies WHERE id = $1",
        Target::Deal(_) => "SELECT id FROM crm_deals WHERE id = $1",
    })
    .bind(id)
    .fetch_optional(tx.conn())
    .await
    .map_err(|e| failed(&e))?;
    if exists.is_none() {
        return Err("no such record".into());
    }
    state.files.put(&key, bytes).await.map_err(|e| failed(&e))?;
    files::add(
        &mut tx,
        NewFile {
            name,
            key,
            size_bytes: size,
            content_type,
            category,
            target,
        },
    )
    .await
    .map_err(|e| failed(&e))?;
    tx.commit().await.map_err(|e| failed(&e))?;
    Ok(())
}

/// Back to the page the form was on (the same-origin gate has checked the
/// Referer's host), with the refusal when there is one.
pub(super) fn back(headers: &HeaderMap, refusal: Option<&str>) -> Response {
    let page = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split("://").nth(1))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .map(|p| p.split('?').next().unwrap_or("/").to_string())
        // "//host" would be another site, protocol-relative.
        .filter(|p| !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let target = match refusal {
        None => page,
        Some(m) => format!("{page}?upload_error={}", redkey_types::format::urlencode(m)),
    };
    Redirect::to(&target).into_response()
}

pub async fn download(
    State(state): State<AppState>,
    Extension(Checked(me)): Extension<Checked>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<Uuid>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let found = async {
        let mut tx = state
            .db
            .begin(ClientId(me.client), Actor::User(me.user))
            .await?;
        files::get(&mut tx, id).await
    }
    .await;
    let file = match found {
        Ok(Some(f)) => f,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "reading a file's record");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let bytes = match state.files.get(&file.full_path).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            tracing::warn!(file = %file.id, "a file's bytes are missing");
            return StatusCode::NOT_FOUND.into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "reading a file");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let preview = redkey_types::preview_kind(file.content_type.as_deref());
    let disposition = if preview.is_some() {
        "inline"
    } else {
        "attachment"
    };
    let content_type = file
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    let value = |v: &str| HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("x"));
    h.insert(header::CONTENT_TYPE, value(&content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        value(&format!("{disposition}; filename=\"{}\"", file.name)),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Nothing served here runs script in the cockpit's origin; Chromium's
    // PDF viewer does not open in a sandboxed document, and shows PDFs
    // without running theirs.
    if preview != Some("pdf") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'"),
        );
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}
