//! `POST /webhooks/quill/{client}`: a meeting's notes from Quill. The
//! signature is `Quill-Signature: v1=<hex HMAC-SHA256 of
//! "<Quill-Timestamp>.<raw body>">` under the client's notes secret (kept
//! in the secret store), the timestamp within five minutes; a delivery id
//! seen before is acknowledged and changes nothing. The body (see the
//! README) becomes a `meeting.note` task, queued in the same transaction
//! that records the delivery. The payload's shape lives only in this
//! module: another notes tool gets a module of its own beside it.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use redkey_data::{
    sources,
    tasks::{self, NewTask},
    Actor,
};
use redkey_types::{
    kinds::{MeetingNote, TaskPayload},
    EmailAddress,
};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

use crate::http::AppState;

pub const BODY_LIMIT: usize = 512 * 1024;
const TOLERANCE_SECS: i64 = 300;

/// Quill's payload: the fields we read (others are ignored).
#[derive(Deserialize)]
struct Payload {
    meeting: Meeting,
    #[serde(default)]
    attendees: Vec<Attendee>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    action_items: Vec<String>,
}

#[derive(Deserialize)]
struct Meeting {
    id: String,
    title: String,
    #[serde(default)]
    started_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct Attendee {
    email: String,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": { "message": message } }))).into_response()
}

/// Whether `signature` is this secret's over the timestamp and body.
fn verify(secret: &str, timestamp: &str, signature: &str, body: &[u8]) -> bool {
    let Some(given) = signature
        .strip_prefix("v1=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

pub async fn receive(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let (delivery, timestamp, signature) = (
        header("quill-delivery"),
        header("quill-timestamp"),
        header("quill-signature"),
    );
    if delivery.is_empty() || timestamp.is_empty() || signature.is_empty() {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "Quill-Delivery, Quill-Timestamp and Quill-Signature are required",
        );
    }
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (Utc::now().timestamp() - t).abs() <= TOLERANCE_SECS);
    if !fresh {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the timestamp is missing or too old",
        );
    }
    // A client without a notes source (or without the store's key) fails
    // exactly as a bad signature does: the answer does not tell which.
    let found = match &state.secrets {
        Some(store) => sources::quill_by_slug(&state.db, store, &slug).await,
        None => Ok(None),
    };
    let (client, source, secret) = match found {
        Ok(Some((client, source, Some(secret)))) => (client, source, secret),
        Ok(_) => return refuse(StatusCode::UNAUTHORIZED, "bad signature"),
        Err(e) => {
            tracing::error!(error = %e, "notes source lookup failed");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again");
        }
    };
    if !verify(&secret, timestamp, signature, &body) {
        tracing::warn!(client = %slug, "refused a notes delivery: bad signature");
        return refuse(StatusCode::UNAUTHORIZED, "bad signature");
    }
    let note = match serde_json::from_slice::<Payload>(&body) {
        Ok(p) => MeetingNote {
            meeting_id: p.meeting.id,
            title: p.meeting.title,
            started_at: p.meeting.started_at,
            attendees: p
                .attendees
                .iter()
                .filter_map(|a| EmailAddress::parse(&a.email).ok())
                .collect(),
            summary: p.summary,
            action_items: p.action_items,
        },
        Err(e) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("not a Quill meeting: {e}"),
            )
        }
    };
    let queued = async {
        let mut tx = state.db.begin(client, Actor::Agent).await?;
        if !sources::first_delivery(&mut tx, source, delivery).await? {
            return Ok(false);
        }
        let payload = TaskPayload::MeetingNote(note);
        let mut task = NewTask::typed("roles.crm", &payload, "engine:quill".into());
        task.dedupe_key = Some(format!(
            "quill:{}",
            delivery.chars().take(150).collect::<String>()
        ));
        tasks::enqueue(&mut tx, &task).await?;
        tx.commit().await?;
        Ok::<_, redkey_data::DbError>(true)
    };
    match queued.await {
        Ok(true) => (StatusCode::ACCEPTED, Json(json!({ "status": "queued" }))).into_response(),
        Ok(false) => (StatusCode::OK, Json(json!({ "status": "duplicate" }))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "notes delivery not stored");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "try again")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_cover_the_timestamp_and_body() {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(b"1700000000.{}");
        let good = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
        assert!(super::verify("s3cret", "1700000000", &good, b"{}"));
        assert!(!super::verify("s3cret", "1700000001", &good, b"{}"));
        assert!(!super::verify("other", "1700000000", &good, b"{}"));
        assert!(!super::verify("s3cret", "1700000000", "v1=zz", b"{}"));
    }
}
