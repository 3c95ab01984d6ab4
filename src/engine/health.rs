//! Whether an engine reaches its database: set by each claim and check-in,
//! read by `/readyz`'s detail.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Default)]
pub struct Health(Mutex<HealthState>);

#[derive(Clone, Debug, Default, Serialize)]
pub struct HealthState {
    /// The last call succeeded (false until one has).
    pub ok: bool,
    pub last_ok_at: Option<DateTime<Utc>>,
    /// The last failure, on one line, with no credentials in it.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

impl Health {
    pub fn succeeded(&self) {
        let mut s = self.0.lock().expect("not poisoned");
        s.ok = true;
        s.last_ok_at = Some(Utc::now());
    }

    pub fn failed(&self, error: &str) {
        let mut s = self.0.lock().expect("not poisoned");
        s.ok = false;
        s.last_error = Some(error.lines().next().unwrap_or_default().to_string());
        s.last_error_at = Some(Utc::now());
    }

    pub fn state(&self) -> HealthState {
        self.0.lock().expect("not poisoned").clone()
    }
}
