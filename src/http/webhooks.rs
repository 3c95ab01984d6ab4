//! `POST /webhooks/resend/{client}`: Resend's events for one client,
//! verified against that client's signing secret over the raw body.
//! Bad, missing or stale signatures get 401 and store nothing; a replayed
//! svix-id gets 200 and changes nothing; unknown event types are kept and
//! otherwise ignored.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use crate::{
    email::{events, svix},
    http::AppState,
};
use redkey_data::{engine, ClientId};

/// Resend's events are small; anything near this is not one.
pub const BODY_LIMIT: usize = 256 * 1024;

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": { "message": message } }))).into_response()
}

pub async fn resend(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((id, timestamp, signature)) = svix::headers(&headers) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            svix::Refusal::MissingHeaders.message(),
        );
    };
    // A slug with no account is checked against a secret nobody holds, so
    // it fails exactly as a bad signature does: the answer does not tell
    // which clients exist or send mail.
    let account = state.email.as_ref().and_then(|e| e.account(&slug));
    let secret = account.map_or(svix::NOBODYS_SECRET, |a| a.webhook_secret.expose_secret());
    let now = chrono::Utc::now();
    if let Err(r) = svix::verify(secret, &id, &timestamp, &signature, &body, now.timestamp()) {
        tracing::warn!(client = %slug, reason = r.message(), "refused a webhook delivery");
        return refuse(StatusCode::UNAUTHORIZED, r.message());
    }
    if account.is_none() {
        return refuse(
            StatusCode::UNAUTHORIZED,
            svix::Refusal::BadSignature.message(),
        );
    }
    let event: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) if v["type"].is_string() => v,
        _ => return refuse(StatusCode::BAD_REQUEST, "the body is not a Resend event"),
    };
    let client = match engine::client_id(&state.db, &slug).await {
        Ok(Some(id)) => ClientId(id),
        Ok(None) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                svix::Refusal::BadSignature.message(),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "webhook client lookup failed");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again");
        }
    };
    match events::handle(&state.db, client, &id, &event, now).await {
        Ok(events::Handled::Duplicate) => {
            (StatusCode::OK, Json(json!({ "status": "duplicate" }))).into_response()
        }
        // Svix retries in 5 s, then minutes: by then the send is recorded.
        Ok(events::Handled::NotYet) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "this send is not recorded yet; retry later",
        ),
        Ok(events::Handled::Applied(what)) => (
            StatusCode::OK,
            Json(json!({ "status": "recorded", "effect": what })),
        )
            .into_response(),
        // 5xx makes Svix retry later; nothing was committed.
        Err(e) => {
            tracing::error!(error = %e, client = %slug, "webhook event failed");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "try again")
        }
    }
}
