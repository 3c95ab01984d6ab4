//! Verification of Resend's webhooks, signed the Svix way: HMAC-SHA256 of
//! `"{id}.{timestamp}.{body}"` under the base64 key after `whsec_`,
//! base64, in a space-separated list of `v1,<sig>` entries.

use axum::http::HeaderMap;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Timestamps further than this from now, either way, are refused.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    MissingHeaders,
    BadTimestamp,
    Stale,
    BadSignature,
}

impl Refusal {
    pub fn message(&self) -> &'static str {
        match self {
            Self::MissingHeaders => "svix-id, svix-timestamp and svix-signature are required",
            Self::BadTimestamp => "svix-timestamp is not a Unix time",
            Self::Stale => "the timestamp is more than 5 minutes from now",
            Self::BadSignature => "no signature matches",
        }
    }
}

/// The id, timestamp and signature headers (Svix's names, or the
/// unbranded `webhook-*` ones).
pub fn headers(h: &HeaderMap) -> Option<(String, String, String)> {
    let get = |a: &str, b: &str| {
        h.get(a)
            .or_else(|| h.get(b))
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    Some((
        get("svix-id", "webhook-id")?,
        get("svix-timestamp", "webhook-timestamp")?,
        get("svix-signature", "webhook-signature")?,
    ))
}

/// Checks one delivery; `now` is Unix seconds.
/// A well-formed secret no account has: slugs without an account are
/// verified against it, and fail as a bad signature does.
pub const NOBODYS_SECRET: &str = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

pub fn verify(
    secret: &str,
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| Refusal::BadTimestamp)?;
    // abs_diff: a timestamp near i64::MIN or MAX must not overflow.
    if now.abs_diff(ts) > TOLERANCE_SECS as u64 {
        return Err(Refusal::Stale);
    }
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| Refusal::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.trim().as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    let ok = signatures.split_whitespace().any(|entry| {
        entry
            .strip_prefix("v1,")
            .and_then(|sig| STANDARD.decode(sig).ok())
            .is_some_and(|sig| constant_time_eq(&sig, &expected))
    });
    if ok {
        Ok(())
    } else {
        Err(Refusal::BadSignature)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Signs like Svix (for fakes and tests).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_published_test_vector_verifies() {
        assert_eq!(sign(SECRET, ID, TS, BODY), SIG);
        assert_eq!(verify(SECRET, ID, "1614265330", SIG, BODY, TS), Ok(()));
        // Any matching entry of several is enough.
        let several = format!("v1,bm9wZQ== {SIG} v2,whatever");
        assert_eq!(verify(SECRET, ID, "1614265330", &several, BODY, TS), Ok(()));
    }

    #[test]
    fn forgeries_and_edges_are_refused() {
        let body = br#"{"test": 2432232315}"#;
        assert_eq!(
            verify(SECRET, ID, "1614265330", SIG, body, TS),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(SECRET, "msg_other", "1614265330", SIG, BODY, TS),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify("whsec_c2VjcmV0", ID, "1614265330", SIG, BODY, TS),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(SECRET, ID, "soon", SIG, BODY, TS),
            Err(Refusal::BadTimestamp)
        );
        assert_eq!(
            verify(SECRET, ID, "1614265330", "", BODY, TS),
            Err(Refusal::BadSignature)
        );
        // Timestamps at the ends of i64 are stale, not an overflow.
        for ts in [i64::MIN, i64::MAX] {
            assert_eq!(
                verify(SECRET, ID, &ts.to_string(), SIG, BODY, TS),
                Err(Refusal::Stale)
            );
            assert_eq!(
                verify(SECRET, ID, "1614265330", SIG, BODY, ts),
                Err(Refusal::Stale)
            );
        }
        // Tolerance: 300 s either way is fine, 301 s is not.
        for (now, ok) in [
            (TS + 300, true),
            (TS - 300, true),
            (TS + 301, false),
            (TS - 301, false),
        ] {
            let got = verify(SECRET, ID, "1614265330", SIG, BODY, now);
            assert_eq!(got.is_ok(), ok, "now = ts {:+}", now - TS);
            if !ok {
                assert_eq!(got, Err(Refusal::Stale));
            }
        }
    }
}
