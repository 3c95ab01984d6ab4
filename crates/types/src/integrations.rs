//! The integrations registry (Settings → Integrations): each outside API a
//! client uses, and how its last calls went.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Integration {
    pub id: Uuid,
    /// resend, anthropic, apollo, pdl, imap, caldav or twenty.
    pub provider: String,
    /// Which use of it: model, enrichment, email, a source's name.
    pub name: String,
    pub base_url: String,
    /// Where its credential comes from, in words; never the credential.
    pub secret_ref: String,
    /// An admin set its key here (used instead of the configured one).
    pub key_set_here: bool,
    pub key_set_at: Option<DateTime<Utc>>,
    pub rate_per_minute: Option<i32>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub calls_24h: i64,
    pub errors_24h: i64,
}

impl Integration {
    /// Share of the last day's calls that failed, in percent (none when
    /// there were no calls).
    pub fn error_rate(&self) -> Option<f64> {
        (self.calls_24h > 0).then(|| 100.0 * self.errors_24h as f64 / self.calls_24h as f64)
    }

    /// Its last call failed.
    pub fn failing(&self) -> bool {
        match (self.last_error_at, self.last_success_at) {
            (Some(e), Some(s)) => e > s,
            (Some(_), None) => true,
            _ => false,
        }
    }
}
