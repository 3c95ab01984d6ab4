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
    /// `POST /domains/{id}/verify` calls.
    pub verifications: usize,
}

#[derive(Clone, Default)]
pub struct FakeResend(pub Arc<Mutex<Inner>>);

impl FakeResend {
    pub async fn start() -> (String, Self) {
        let fake = Self::default();
        let app = Router::new()
            .route("/emails", post(send))
            .route("/emails/receiving/{id}", axum::routing::get(receiving))
            .route("/domains", axum::routing::get(domains).post(create_domain))
            .route("/domains/{id}", axum::routing::get(domain))
            .route("/domains/{id}/verify", post(verify_domain))
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

    /// Marks domain `name` and all its records verified, as Resend does
    /// once it finds them in DNS.
    pub fn dns_found(&self, name: &str) {
        let mut inner = self.0.lock().unwrap();
        for d in inner.domains.iter_mut().filter(|d| d["name"] == name) {
            d["status"] = json!("verified");
            for r in d["records"].as_array_mut().unwrap() {
                r["status"] = json!("verified");
            }
        }
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
    if let Some(r) = refusal(&headers) {
        return r;
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

/// The answer to a request without a usable key, if it has none.
fn refusal(headers: &HeaderMap) -> Option<Response> {
    match headers.get("authorization").and_then(|h| h.to_str().ok()) {
        Some("Bearer re_revoked") => Some(error(403, "invalid_api_key")),
        Some(a) if a.starts_with("Bearer re_") => None,
        _ => Some(error(401, "missing_api_key")),
    }
}

/// `POST /domains`: the domain, not started, with the records Resend asks
/// every domain for.
async fn create_domain(
    State(fake): State<FakeResend>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = refusal(&headers) {
        return r;
    }
    let Some(name) = body["name"].as_str() else {
        return error(422, "validation_error");
    };
    let mut inner = fake.0.lock().unwrap();
    if inner.domains.iter().any(|d| d["name"] == name) {
        return error(409, "domain_already_exists");
    }
    let record = |record: &str, kind: &str, host: String, value: &str| {
        json!({"record": record, "name": host, "type": kind, "ttl": "Auto",
               "status": "not_started", "value": value})
    };
    let mut mx = record(
        "SPF",
        "MX",
        format!("send.{name}"),
        "feedback-smtp.us-east-1.amazonses.com",
    );
    mx["priority"] = json!(10);
    let domain = json!({
        "object": "domain", "id": format!("d_{}", inner.domains.len() + 1), "name": name,
        "status": "not_started", "created_at": "2026-12-01T00:00:00Z", "region": "us-east-1",
        "records": [
            mx,
            record("SPF", "TXT", format!("send.{name}"), "\"v=spf1 include:amazonses.com ~all\""),
            record("DKIM", "TXT", format!("resend._domainkey.{name}"), "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDtest"),
        ],
    });
    inner.domains.push(domain.clone());
    Json(domain).into_response()
}

async fn domain(
    State(fake): State<FakeResend>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refusal(&headers) {
        return r;
    }
    match fake
        .0
        .lock()
        .unwrap()
        .domains
        .iter()
        .find(|d| d["id"] == id.as_str())
    {
        Some(d) => Json(d.clone()).into_response(),
        None => error(404, "not_found"),
    }
}

/// `POST /domains/{id}/verify`: the check starts, the domain is pending.
async fn verify_domain(
    State(fake): State<FakeResend>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refusal(&headers) {
        return r;
    }
    let mut inner = fake.0.lock().unwrap();
    inner.verifications += 1;
    match inner.domains.iter_mut().find(|d| d["id"] == id.as_str()) {
        Some(d) => {
            d["status"] = json!("pending");
            Json(json!({"object": "domain", "id": id})).into_response()
        }
        None => error(404, "not_found"),
    }
}
