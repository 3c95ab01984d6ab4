//! `POST /ingest/forms/{key}`: a website form's submission, as JSON or
//! form-urlencoded. Refused, storing nothing: an unknown key (404), a
//! browser post from an origin the form does not allow (403), over 16 KiB
//! (413), too many posts from one address (429), no valid email (422). A
//! filled honeypot is answered like a success and stored nowhere.
//! Otherwise the contact is created or updated by email (an empty field
//! never overwrites), a `form` activity keeps what was submitted, and the
//! contact may be enrolled in the form's sequence. A browser is sent to the
//! thank-you page (303); a JSON post gets 201.

use std::{collections::BTreeMap, net::SocketAddr};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use redkey_data::{
    activities::{self, NewActivity},
    contacts::{self, ContactField},
    sequences, sources, Actor, DbError,
};
use redkey_types::{EmailAddress, FormSettings, Source};
use serde_json::{json, Value};

use crate::http::AppState;

pub const BODY_LIMIT: usize = 16 * 1024;

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": { "message": message } }))).into_response()
}

/// CORS for an allowed origin: the browser may read the answer.
fn with_cors(mut r: Response, origin: Option<&str>) -> Response {
    if let Some(o) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    r
}

/// The preflight of a cross-origin JSON post.
pub async fn preflight(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let Ok(Some((_, _, _, settings))) = sources::form_by_key(&state.db, &key).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let settings: FormSettings = serde_json::from_value(settings).unwrap_or_default();
    match origin {
        Some(o) if settings.allowed_origins.iter().any(|a| a == o) => {
            let mut r = StatusCode::NO_CONTENT.into_response();
            let h = r.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            with_cors(r, Some(o))
        }
        _ => StatusCode::FORBIDDEN.into_response(),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let found = match sources::form_by_key(&state.db, &key).await {
        Ok(Some(f)) => f,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "no such form"),
        Err(e) => {
            tracing::error!(error = %e, "form lookup failed");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again");
        }
    };
    let (client, source_id, form_name, settings) = found;
    let settings: FormSettings = serde_json::from_value(settings).unwrap_or_default();
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if let Some(o) = origin {
        if !settings.allowed_origins.iter().any(|a| a == o) {
            return refuse(
                StatusCode::FORBIDDEN,
                "this form does not accept posts from that site",
            );
        }
    }
    if body.len() > BODY_LIMIT {
        return with_cors(
            refuse(StatusCode::PAYLOAD_TOO_LARGE, "the form is over 16 KiB"),
            origin,
        );
    }
    if !state.forms.allow(&key, peer.ip()) {
        return with_cors(
            refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "too many posts; try again in a minute",
            ),
            origin,
        );
    }
    let json_post = headers
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let Some(fields) = parse(&body, json_post) else {
        let what = if json_post {
            "a JSON object of fields"
        } else {
            "form fields"
        };
        return with_cors(
            refuse(StatusCode::BAD_REQUEST, &format!("the body is not {what}")),
            origin,
        );
    };
    let done = |status| {
        let r = match (json_post, &settings.thank_you_url) {
            (false, Some(url)) => match HeaderValue::from_str(url) {
                Ok(to) => (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response(),
                Err(_) => (status, "Thank you.").into_response(),
            },
            (false, None) => (StatusCode::OK, "Thank you.").into_response(),
            (true, _) => (status, Json(json!({ "status": "received" }))).into_response(),
        };
        with_cors(r, origin)
    };
    // A robot filled the hidden field: answer as usual, keep nothing.
    if fields
        .get(&settings.honeypot)
        .is_some_and(|v| !v.trim().is_empty())
    {
        tracing::info!(form = %source_id, "honeypot filled: submission dropped");
        return done(StatusCode::CREATED);
    }
    let value = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let f = &settings.fields;
    let Ok(email) = EmailAddress::parse(&value(&f.email)) else {
        return with_cors(
            refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "a valid email address is required",
            ),
            origin,
        );
    };
    let stored = store(&state, client, &form_name, &settings, &email, &fields).await;
    match stored {
        Ok(()) => done(StatusCode::CREATED),
        Err(DbError::Invalid(m)) => with_cors(refuse(StatusCode::UNPROCESSABLE_ENTITY, &m), origin),
        Err(e) => {
            tracing::error!(form = %source_id, error = %e, "form submission not stored");
            with_cors(refuse(StatusCode::SERVICE_UNAVAILABLE, "try again"), origin)
        }
    }
}

/// The submitted fields, by name (the last of a repeated name wins).
fn parse(body: &[u8], json_post: bool) -> Option<BTreeMap<String, String>> {
    if json_post {
        let Value::Object(map) = serde_json::from_slice(body).ok()? else {
            return None;
        };
        return Some(
            map.into_iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k, text)
                })
                .collect(),
        );
    }
    std::str::from_utf8(body).ok()?;
    Some(
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

async fn store(
    state: &AppState,
    client: redkey_data::ClientId,
    form_name: &str,
    settings: &FormSettings,
    email: &EmailAddress,
    fields: &BTreeMap<String, String>,
) -> Result<(), DbError> {
    let f = &settings.fields;
    let value = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let text = |name: &str| Some(value(name)).filter(|v| !v.is_empty());
    let mut tx = state.db.begin(client, Actor::Agent).await?;
    let (contact, created) = contacts::upsert_by_email(
        &mut tx,
        email,
        vec![
            ContactField::FirstName(value(&f.first_name)),
            ContactField::LastName(value(&f.last_name)),
            ContactField::Phone(text(&f.phone)),
            ContactField::JobTitle(text(&f.job_title)),
        ],
        Source::Form,
    )
    .await?;
    let submitted: serde_json::Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| **k != settings.honeypot)
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    activities::log(
        &mut tx,
        NewActivity {
            kind: "form".into(),
            subject: Some(format!("Form: {form_name}")),
            body: text(&f.message),
            contact_id: Some(contact.id),
            company_id: contact.company_id,
            properties: Some(
                json!({ "form": form_name, "company": text(&f.company), "fields": submitted }),
            ),
            source: Some(Source::Form),
            ..Default::default()
        },
    )
    .await?;
    if let (true, Some(seq)) = (created, settings.sequence_id) {
        sequences::enroll(&mut tx, seq, contact.id).await?;
    }
    tx.commit().await
}
