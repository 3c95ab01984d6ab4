//! Pure formatting shared by server and browser (no clock, no locale).

/// `12500000000` micros in `USD` -> `$12,500`.
pub fn money(micros: i64, currency: &str) -> String {
    money_units(micros / 1_000_000, currency)
}

/// `12500` units in `USD` -> `$12,500`.
pub fn money_units(units: i64, currency: &str) -> String {
    let digits = units.abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if units < 0 { "-" } else { "" };
    match currency.trim() {
        "USD" => format!("{sign}${grouped}"),
        "EUR" => format!("{sign}€{grouped}"),
        "GBP" => format!("{sign}£{grouped}"),
        other => format!("{sign}{grouped} {other}"),
    }
}

/// A duration in hours as "3 h ago", "2 d ago".
pub fn ago(hours: i64) -> String {
    match hours {
        h if h < 1 => "just now".into(),
        h if h < 48 => format!("{h} h ago"),
        h => format!("{} d ago", h / 24),
    }
}

/// A moment to the minute, in UTC: "2026-12-05 21:30 UTC". Written out by
/// hand, as is [`utc_weekday_time`]: chrono's `format` brings its
/// format-string interpreter into the browser's build of each page that
/// calls it (BENCHMARKS.md, session 41).
pub fn utc_minute(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The day of the week and the time, in UTC: "Sat 21:30 UTC".
pub fn utc_weekday_time(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!("{} {:02}:{:02} UTC", t.weekday(), t.hour(), t.minute())
}

/// `s` as a query-string value: unreserved characters kept, every other
/// byte percent-encoded.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The pairs of a query string (`a=1&b=x%20y`), decoded; `+` is a space.
/// Malformed escapes are kept as written.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (urldecode(k), urldecode(v))
        })
        .collect()
}

fn urldecode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_read_as_chrono_would_write_them() {
        use chrono::TimeZone;
        for (y, mo, d, h, mi) in [
            (2026, 12, 5, 21, 30),
            (2024, 2, 29, 0, 5),
            (999, 1, 4, 9, 0),
        ] {
            let t = chrono::Utc.with_ymd_and_hms(y, mo, d, h, mi, 59).unwrap();
            assert_eq!(utc_minute(t), t.format("%Y-%m-%d %H:%M UTC").to_string());
            assert_eq!(utc_weekday_time(t), t.format("%a %H:%M UTC").to_string());
        }
    }

    #[test]
    fn query_pairs_decode_what_urlencode_wrote() {
        let q = format!("q={}&due=1&x=%zz&+=a+b", urlencode("Acme & Co / 100%"));
        assert_eq!(
            query_pairs(&q),
            vec![
                ("q".into(), "Acme & Co / 100%".into()),
                ("due".into(), "1".into()),
                ("x".into(), "%zz".into()),
                (" ".into(), "a b".into()),
            ]
        );
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(12_500_000_000, "USD"), "$12,500");
        assert_eq!(money(999_000_000, "EUR"), "€999");
        assert_eq!(money(1_234_567_000_000, "CHF"), "1,234,567 CHF");
        assert_eq!(money(0, "USD"), "$0");
    }

    #[test]
    fn ago_reads_naturally() {
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(3), "3 h ago");
        assert_eq!(ago(72), "3 d ago");
    }
}
