//! A fake Resend on 127.0.0.1 speaking the contract in external-apis.md:
//! bearer key and User-Agent required, idempotency keys replayed (same
//! body) or refused (other body), scripted 429s and 5xx.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde_json::{json, Value};

#[derive(Default)]
pub struct Inner {
    /// Emails actually "sent": one per accepted idempotency key.
    pub delivered: Vec<(String, Value)>,
    /// Requests answered from the idempotency cache.
    pub replays: usize,
    /// Every request seen, in order, with its key.
    pub requests: Vec<Option<String>>,
    keys: HashMap<String, (String, String)>,
    /// Responses to give before behaving normally: (status, name, retry-after).
    pub script: VecDeque<(u16, &'static str, Option<&'static str>)>,
    /// Received emails' content, by id (`GET /emails/receiving/{id}`).
    pub received: HashMap<String, Value>,
    /// The account's sending domains (`GET /domains`).
    pub domains: Vec<Value>,
}

#[derive(Clone, Default)]
pub struct FakeResend(pub Arc<Mutex<Inner>>);

impl FakeResend {
    pub async fn start() -> (String, Self) {
        let fake = Self::default();
        let app = Router::new()
            .route("/emails", post(send))
            .route("/emails/receiving/{id}", axum::routing::get(receiving))
            .route("/domains", axum::routing::get(domains))
            .with_state(fake.clone());
        (super::listen(app).await, fake)
    }

    pub fn script(
        &self,
        status: u16,
        name: &'static str,
        retry_after: Option<&'static str>,
        n: usize,
    ) {
        let mut inner = self.0.lock().unwrap();
        for _ in 0..n {
            inner.script.push_back((status, name, retry_after));
        }
    }

    /// Serves `content` for the received email `id`.
    pub fn receive(&self, id: &str, content: Value) {
        self.0.lock().unwrap().received.insert(id.into(), content);
    }

    /// Lists a sending domain `name` in `status` on `GET /domains`.
    pub fn domain(&self, name: &str, status: &str) {
        let mut inner = self.0.lock().unwrap();
        let id = format!("d_{}", inner.domains.len() + 1);
        inner.domains.push(json!({
            "object": "domain", "id": id, "name": name, "status": status,
            "created_at": "2026-11-01T00:00:00Z", "region": "us-east-1", "records": [],
        }));
    }

    pub fn delivered(&self) -> Vec<(String, Value)> {
        self.0.lock().unwrap().delivered.clone()
    }

    pub fn replays(&self) -> usize {
        self.0.lock().unwrap().replays
    }
}

fn error(status: u16, name: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap();
    (
        code,
        Json(json!({ "statusCode": status, "name": name, "message": name })),
    )
        .into_response()
}

async fn domains(State(fake): State<FakeResend>, headers: HeaderMap) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !auth.starts_with("Bearer re_") {
        return error(401, "missing_api_key");
    }
    if auth == "Bearer re_revoked" {
        return error(403, "invalid_api_key");
    }
    Json(json!({ "data": fake.0.lock().unwrap().domains })).into_response()
}

async fn receiving(
    State(fake): State<FakeResend>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !auth.starts_with("Bearer re_") {
        return error(401, "missing_api_key");
    }
    match fake.0.lock().unwrap().received.get(&id) {
        Some(content) => Json(content.clone()).into_response(),
        None => error(404, "not_found"),
    }
}

async fn send(State(fake): State<FakeResend>, headers: HeaderMap, body: Bytes) -> Response {
    if !headers.contains_key("user-agent") {
        return error(403, "forbidden");
    }
    let auth = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !auth.starts_with("Bearer re_") {
        return error(401, "missing_api_key");
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    let mut inner = fake.0.lock().unwrap();
    inner.requests.push(key.clone());
    if let Some((status, name, retry)) = inner.script.pop_front() {
        let mut r = error(status, name);
        if let Some(s) = retry {
            r.headers_mut().insert("retry-after", s.parse().unwrap());
            r.headers_mut()
                .insert("ratelimit-reset", s.parse().unwrap());
        }
        return r;
    }
    let text = String::from_utf8_lossy(&body).to_string();
    let Ok(parsed) = serde_json::from_str::<Value>(&text) else {
        return error(422, "validation_error");
    };
    if parsed["from"].as_str().is_none() || parsed["subject"].as_str().is_none() {
        return error(422, "validation_error");
    }
    if let Some(k) = &key {
        if let Some((first_body, id)) = inner.keys.get(k).cloned() {
            if first_body != text {
                return error(409, "invalid_idempotent_request");
            }
            inner.replays += 1;
            return Json(json!({ "id": id })).into_response();
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    if let Some(k) = key {
        inner.keys.insert(k.clone(), (text, id.clone()));
        inner.delivered.push((k, parsed));
    } else {
        inner.delivered.push((String::new(), parsed));
    }
    Json(json!({ "id": id })).into_response()
}
