//! Public ingestion endpoints: website forms (`/ingest/forms/{key}`) and
//! the meeting-notes webhook (`/webhooks/quill/{client}`).

pub mod forms;
pub mod quill;

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// At most `per_minute` posts per (form, address) in any minute, counted
/// in this instance.
#[derive(Debug)]
pub struct Limiter {
    per_minute: usize,
    seen: Mutex<HashMap<(String, IpAddr), Vec<Instant>>>,
}

impl Limiter {
    pub fn new(per_minute: usize) -> Self {
        Self {
            per_minute,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a post; false when the address is over its limit.
    pub fn allow(&self, key: &str, ip: IpAddr) -> bool {
        let now = Instant::now();
        let window = Duration::from_secs(60);
        let mut seen = self
            .seen
            .lock()
            .expect("the limiter's lock is never poisoned");
        // Forget addresses that went quiet, so the map stays small.
        if seen.len() > 10_000 {
            seen.retain(|_, hits| hits.iter().any(|t| now.duration_since(*t) < window));
        }
        let hits = seen.entry((key.to_string(), ip)).or_default();
        hits.retain(|t| now.duration_since(*t) < window);
        if hits.len() >= self.per_minute {
            return false;
        }
        hits.push(now);
        true
    }
}
