//! Delivers topic messages to their outbound webhooks (the bridge to the
//! company's agent bus). At-least-once: the receiver dedupes on
//! `X-Redkey-Message-Id`.

use redkey_data::{self as db, tasks, Actor, ClientId};
use redkey_types::{kinds::Forward, Task};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::{
    signing::{sign, MESSAGE_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER},
    Engine, TaskError,
};

/// The span names the message and the webhook's place in the
/// configuration, never its URL (which may carry a secret) or the body.
#[tracing::instrument(name = "webhook.forward", skip_all, fields(message = p.message_id, webhook = p.webhook))]
pub async fn deliver(engine: &Engine, task: &Task, p: &Forward) -> Result<Value, TaskError> {
    let mut tx = engine
        .inner
        .db
        .begin(ClientId(task.client_id), Actor::Agent)
        .await?;
    let message = tasks::message(&mut tx, p.message_id).await?;
    let client = db::current_client(&mut tx).await?;
    drop(tx);
    // The configuration may have changed since the task was queued.
    let Some(hook) = engine
        .inner
        .cfg
        .webhooks
        .get(p.webhook)
        .filter(|h| h.client == client.slug && h.topic == message.topic)
    else {
        return Ok(json!({ "skipped": "the webhook is no longer configured" }));
    };
    let body = serde_json::to_vec(&json!({
        "id": message.id,
        "client": client.slug,
        "topic": message.topic,
        "body": message.body,
        "task_id": message.task_id,
        "created_at": message.created_at,
    }))
    .expect("JSON values serialise");
    let timestamp = chrono::Utc::now().timestamp();
    let response = engine
        .inner
        .http
        .post(&hook.url)
        .header("content-type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp)
        .header(MESSAGE_ID_HEADER, message.id)
        .header(
            SIGNATURE_HEADER,
            sign(hook.secret.expose_secret().as_bytes(), timestamp, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(|e| TaskError::Retry(format!("webhook unreachable: {}", without_url(&e))))?;
    let status = response.status();
    if status.is_success() {
        Ok(json!({ "delivered": status.as_u16() }))
    } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        Err(TaskError::Retry(format!("webhook answered {status}")))
    } else {
        Err(TaskError::Permanent(format!("webhook answered {status}")))
    }
}

/// reqwest errors include the URL, which may carry a token: leave it out.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    kind.to_string()
}
