//! The Anthropic Messages API, asked for structured output: the caller
//! names a JSON schema, the answer arrives as a `text` block (after any
//! `thinking` blocks) and is decoded into the caller's type. 429s wait for
//! `retry-after`; 529 and 5xx retry with backoff and jitter; other 4xx fail
//! at once. The key never reaches a log.

use std::time::Duration;

use reqwest::{header::HeaderMap, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{json, Value};

/// The current Sonnet, unless configured otherwise.
pub const DEFAULT_MODEL: &str = "claude-sonnet-5-5";
use crate::integrations::Target;

const API_VERSION: &str = "2023-06-01";

#[derive(Clone)]
pub struct ModelClient {
    http: reqwest::Client,
    target: Target,
    model: String,
    /// Attempts at most, the first included.
    attempts: u32,
    /// First wait after a 529 or 5xx; doubles, with jitter.
    backoff: Duration,
}

impl std::fmt::Debug for ModelClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelClient")
            .field("target", &self.target)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

/// Tokens one answer cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u32,
    pub output_tokens: u32,
}

/// A decoded answer and what it cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer<T> {
    pub value: T,
    pub usage: Usage,
    /// The model that answered (as the API names it).
    pub model: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A 4xx other than 429: the request is wrong, or the key; retrying
    /// would not help.
    #[error("the model API refused the request ({status} {kind}): {message}")]
    Refused {
        status: u16,
        kind: String,
        message: String,
    },
    /// Still 429, 529 or 5xx after every attempt.
    #[error("the model API is unavailable after {attempts} attempts: {last}")]
    Unavailable { attempts: u32, last: String },
    /// The answer is not what was asked for: no text block, or text that
    /// is not JSON of the expected shape. Nothing may act on it.
    #[error("the model's answer is not usable: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    model: String,
    #[serde(default)]
    content: Vec<Block>,
    #[serde(default)]
    usage: Usage,
}

/// A content block; only `text` carries the answer (thinking and tool use
/// blocks may come first).
#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorReply {
    #[serde(default)]
    error: ErrorBody,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    message: String,
}

/// What one attempt came to.
enum Attempt {
    Done(Reply),
    /// Wait this long (none: back off), then try again.
    Again(Option<Duration>, String),
    Fail(ModelError),
}

impl ModelClient {
    pub fn new(base: &str, key: SecretString, model: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .user_agent(concat!("redkey/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(120))
                .build()?,
            target: Target::new(base, key),
            model: model.to_string(),
            attempts: 4,
            backoff: Duration::from_millis(500),
        })
    }

    /// The same client (its connections shared) calling `target`: what
    /// the integrations registry says to call now.
    pub fn at(&self, target: Target) -> Self {
        Self {
            target,
            ..self.clone()
        }
    }

    /// Where it calls as configured, and with which key.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The same client with other retry settings (tests keep them short).
    pub fn with_retries(mut self, attempts: u32, backoff: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.backoff = backoff;
        self
    }

    /// Asks for an answer of the shape `schema`, decoded into `T`.
    #[tracing::instrument(name = "model.ask", skip_all, fields(model = %self.model))]
    pub async fn ask<T: DeserializeOwned>(
        &self,
        system: &str,
        user: &str,
        schema: &Value,
        max_tokens: u32,
    ) -> Result<Answer<T>, ModelError> {
        let body = json!({
            "model": self.model,
            "max_tokens": max_tokens,
            "system": system,
            "messages": [{ "role": "user", "content": user }],
            "output_config": { "format": { "type": "json_schema", "schema": schema } },
        });
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            match self.attempt(&body).await {
                Attempt::Done(reply) => return decode(reply),
                Attempt::Fail(e) => return Err(e),
                Attempt::Again(wait, why) => {
                    last = why;
                    if attempt < self.attempts {
                        let wait = wait.unwrap_or_else(|| jittered(self.backoff, attempt));
                        tracing::info!(attempt, wait_ms = wait.as_millis() as u64, reason = %last, "model API: retrying");
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
        Err(ModelError::Unavailable {
            attempts: self.attempts,
            last,
        })
    }

    /// One smallest possible request (one output token, no retries): the
    /// key, the model id and the connection, checked before a deploy.
    pub async fn ping(&self) -> Result<(), ModelError> {
        let body = json!({
            "model": self.model,
            "max_tokens": 1,
            "messages": [{ "role": "user", "content": "ping" }],
        });
        match self.attempt(&body).await {
            Attempt::Done(_) => Ok(()),
            Attempt::Fail(e) => Err(e),
            Attempt::Again(_, last) => Err(ModelError::Unavailable { attempts: 1, last }),
        }
    }

    async fn attempt(&self, body: &Value) -> Attempt {
        let sent = self
            .http
            .post(format!("{}/v1/messages", self.target.base()))
            .header("x-api-key", self.target.secret().expose_secret())
            .header("anthropic-version", API_VERSION)
            .json(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Attempt::Again(None, "timed out".into()),
            Err(_) => return Attempt::Again(None, "unreachable".into()),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            return match serde_json::from_str::<Reply>(&text) {
                Ok(reply) => Attempt::Done(reply),
                Err(e) => Attempt::Fail(ModelError::Malformed(format!("not a message: {e}"))),
            };
        }
        let err = serde_json::from_str::<ErrorReply>(&text)
            .unwrap_or_default()
            .error;
        let why = format!("{} {}: {}", status.as_u16(), err.kind, err.message);
        match status {
            StatusCode::TOO_MANY_REQUESTS => Attempt::Again(Some(retry_after(&headers)), why),
            s if s.as_u16() == 529 || s.is_server_error() => Attempt::Again(None, why),
            s => Attempt::Fail(ModelError::Refused {
                status: s.as_u16(),
                kind: err.kind,
                message: err.message,
            }),
        }
    }
}

fn decode<T: DeserializeOwned>(reply: Reply) -> Result<Answer<T>, ModelError> {
    let text = reply
        .content
        .iter()
        .find(|b| b.kind == "text")
        .and_then(|b| b.text.as_deref())
        .ok_or_else(|| ModelError::Malformed("no text block in the answer".into()))?;
    let value = serde_json::from_str(text.trim())
        .map_err(|e| ModelError::Malformed(format!("the text is not the JSON asked for: {e}")))?;
    Ok(Answer {
        value,
        usage: reply.usage,
        model: reply.model,
    })
}

/// `retry-after` in seconds (at most a minute); a second when absent.
fn retry_after(headers: &HeaderMap) -> Duration {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(60.0)))
        .unwrap_or(Duration::from_secs(1))
}

/// `base`·2^(attempt-1), times a random factor in [0.5, 1.5).
fn jittered(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1 << (attempt - 1).min(10));
    let mut bytes = [0u8; 2];
    let unit = match getrandom::fill(&mut bytes) {
        Ok(()) => u16::from_le_bytes(bytes) as f64 / 65536.0,
        Err(_) => 0.5,
    };
    exp.mul_f64(0.5 + unit)
}
