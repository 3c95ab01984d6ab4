//! A fake Anthropic Messages API on 127.0.0.1: answers from a script of
//! (status, body, retry-after), then a default answer, and keeps every
//! request it got (headers and body).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde_json::{json, Value};

#[derive(Default)]
pub struct Inner {
    pub script: VecDeque<(u16, Value, Option<&'static str>)>,
    pub requests: Vec<(HeaderMap, Value)>,
}

#[derive(Clone, Default)]
pub struct FakeAnthropic(pub Arc<Mutex<Inner>>);

/// A message answer whose content is `blocks`.
pub fn message(blocks: Value) -> Value {
    json!({
        "id": "msg_fake", "type": "message", "role": "assistant",
        "model": "claude-sonnet-5-5", "content": blocks, "stop_reason": "end_turn",
        "usage": { "input_tokens": 120, "output_tokens": 30 },
    })
}

/// An error body as the API sends it.
pub fn error(kind: &str) -> Value {
    json!({ "type": "error", "error": { "type": kind, "message": format!("{kind} (fake)") } })
}

impl FakeAnthropic {
    pub async fn start() -> (String, Self) {
        let fake = Self::default();
        let app = Router::new()
            .route("/v1/messages", post(messages))
            .with_state(fake.clone());
        (super::listen(app).await, fake)
    }

    pub fn script(&self, status: u16, body: Value, retry_after: Option<&'static str>) {
        self.0
            .lock()
            .unwrap()
            .script
            .push_back((status, body, retry_after));
    }

    pub fn requests(&self) -> Vec<(HeaderMap, Value)> {
        self.0.lock().unwrap().requests.clone()
    }
}

async fn messages(
    State(fake): State<FakeAnthropic>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut inner = fake.0.lock().unwrap();
    inner.requests.push((headers, body));
    let (status, body, retry) = inner.script.pop_front().unwrap_or((
        200,
        message(json!([{ "type": "text", "text": "{}" }])),
        None,
    ));
    let mut response = (StatusCode::from_u16(status).unwrap(), Json(body)).into_response();
    if let Some(s) = retry {
        response
            .headers_mut()
            .insert("retry-after", s.parse().unwrap());
    }
    response
}
