//! Slows password guessing: after `MAX_FAILURES` failed sign-ins for one
//! email within `WINDOW`, further attempts are refused until the oldest
//! failure leaves the window. Kept per server instance.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, Debug, Default)]
pub struct SignInThrottle {
    failures: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
}

impl SignInThrottle {
    /// `Err(wait)` when this email must wait before trying again.
    pub fn check(&self, email: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(q) = map.get_mut(&email.to_lowercase()) else {
            return Ok(());
        };
        while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        match q.front() {
            Some(oldest) if q.len() >= MAX_FAILURES => Err(WINDOW - now.duration_since(*oldest)),
            _ => Ok(()),
        }
    }

    pub fn failed(&self, email: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(email.to_lowercase()).or_default().push_back(now);
    }

    pub fn succeeded(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&email.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_five_failures_and_unlocks_after_the_window() {
        let t = SignInThrottle::default();
        let start = Instant::now();
        for i in 0..MAX_FAILURES {
            assert!(t.check("A@x.test", start).is_ok(), "attempt {i}");
            t.failed("a@x.test", start + Duration::from_secs(i as u64));
        }
        let wait = t
            .check("a@X.test", start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, WINDOW - Duration::from_secs(10));
        assert!(t.check("other@x.test", start).is_ok());
        assert!(t
            .check("a@x.test", start + WINDOW + Duration::from_secs(1))
            .is_ok());
    }

    #[test]
    fn success_clears_the_count() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES {
            t.failed("a@x.test", now);
        }
        t.succeeded("a@x.test");
        assert!(t.check("a@x.test", now).is_ok());
    }
}
