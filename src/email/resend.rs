//! A Resend client for `POST /emails`: bearer key, User-Agent, timeouts,
//! the caller's Idempotency-Key, and errors sorted by what to do next.

use std::time::Duration;

use reqwest::{header::HeaderMap, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Clone)]
pub struct Resend {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
}

impl Resend {
    /// The same client (its connections shared) calling `base`.
    pub fn at(&self, base: &str) -> Self {
        Self {
            http: self.http.clone(),
            base: base.trim_end_matches('/').to_string(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }
}

/// Why a send did not go out.
#[derive(Clone, Debug, PartialEq)]
pub enum SendError {
    /// 429: wait this long, then try the same request again.
    RateLimited(Duration),
    /// Daily or monthly quota used up: nothing more today.
    Quota(String),
    /// Worth retrying later, byte-identical. `went_out`: the request may
    /// have been acted on (5xx, a timeout, a concurrent request with the
    /// same key); false when it provably never left (no connection).
    Transient { why: String, went_out: bool },
    /// The provider refused this email as it is (a bad address, a
    /// validation error naming the message).
    Rejected(String),
    /// The provider refused the account, not the message (revoked key,
    /// unverified domain): nothing can be sent until a person fixes it.
    Account(String),
}

#[derive(Deserialize)]
struct Sent {
    id: String,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    message: String,
}

/// A received email's content, as `GET /emails/receiving/{id}` gives it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Received {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub html: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub message_id: Option<String>,
    /// Header names as sent; looked up without regard to case.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, serde_json::Value>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
    }
}

impl Resend {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                // Resend refuses requests without one (403, error 1010).
                .user_agent(concat!("redkey/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(30))
                .build()?,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    /// A received email's content (`GET /emails/receiving/{id}`): the
    /// webhook carries only its metadata.
    #[tracing::instrument(name = "resend.received", skip_all, fields(status))]
    pub async fn received(&self, api_key: &SecretString, id: &str) -> Result<Received, String> {
        let response = self
            .http
            .get(format!("{}/emails/receiving/{id}", self.base))
            .bearer_auth(api_key.expose_secret())
            .send()
            .await
            .map_err(|e| format!("Resend unreachable: {e}"))?;
        let status = response.status();
        tracing::Span::current().record("status", status.as_u16());
        if !status.is_success() {
            return Err(format!("Resend answered {status} for received email {id}"));
        }
        response
            .json()
            .await
            .map_err(|e| format!("Resend's received email is not readable: {e}"))
    }

    /// Sends the stored request body as it is; returns Resend's email id.
    /// The span names the call and its idempotency key; never the key or
    /// the body.
    #[tracing::instrument(name = "resend.send", skip_all, fields(idempotency_key, status))]
    pub async fn send(
        &self,
        api_key: &SecretString,
        idempotency_key: &str,
        body: &str,
    ) -> Result<String, SendError> {
        let response = self
            .http
            .post(format!("{}/emails", self.base))
            .bearer_auth(api_key.expose_secret())
            .header("content-type", "application/json")
            .header("idempotency-key", idempotency_key)
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| SendError::Transient {
                why: if e.is_timeout() {
                    "Resend timed out".into()
                } else {
                    "Resend unreachable".into()
                },
                // A refused connection carried nothing.
                went_out: !e.is_connect(),
            })?;
        let status = response.status();
        tracing::Span::current()
            .record("idempotency_key", idempotency_key)
            .record("status", status.as_u16());
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            return serde_json::from_str::<Sent>(&text)
                .map(|s| s.id)
                .map_err(|_| SendError::Transient {
                    why: "Resend answered 200 without an id".into(),
                    went_out: true,
                });
        }
        let err: ErrorBody = serde_json::from_str(&text).unwrap_or_default();
        let what = format!("{} {}: {}", status.as_u16(), err.name, err.message);
        let unknown = |why| SendError::Transient {
            why,
            went_out: true,
        };
        Err(match (status, err.name.as_str()) {
            (_, "daily_quota_exceeded" | "monthly_quota_exceeded") => SendError::Quota(what),
            (StatusCode::TOO_MANY_REQUESTS, _) => SendError::RateLimited(wait_of(&headers)),
            (StatusCode::CONFLICT, "concurrent_idempotent_requests") => unknown(what),
            (s, _) if s.is_server_error() => unknown(what),
            // The key or the sending domain, not this message.
            (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _)
            | (_, "missing_api_key" | "invalid_api_key" | "restricted_api_key") => {
                SendError::Account(what)
            }
            _ => SendError::Rejected(what),
        })
    }
}

/// `retry-after`, else `ratelimit-reset`, in seconds; one second if
/// neither says.
fn wait_of(headers: &HeaderMap) -> Duration {
    ["retry-after", "ratelimit-reset"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok()?.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)))
        .unwrap_or(Duration::from_secs(1))
}
