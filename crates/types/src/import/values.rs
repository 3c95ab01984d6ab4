//! Cells as files write them: amounts, dates, domains, names and yes/no,
//! read into what the records hold.

use chrono::{DateTime, NaiveDate};

/// An amount in whole units and decimals (`12000.5`, `12,000.50`, `€ 90`)
/// as micros, without going through floating point.
pub fn parse_amount_micros(s: &str) -> Result<i64, String> {
    let cleaned: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    let bad = || format!("“{s}” is not an amount");
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() && frac.is_empty() || frac.len() > 6 || frac.contains('-') {
        return Err(bad());
    }
    let negative = whole.starts_with('-');
    let whole: i64 = match whole.trim_start_matches('-') {
        "" => 0,
        w => w.parse().map_err(|_| bad())?,
    };
    let frac: i64 = format!("{frac:0<6}").parse().map_err(|_| bad())?;
    let micros = whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)?;
    if negative {
        return Err(format!("“{s}” is negative"));
    }
    Ok(micros)
}

/// A date as a file gives it: `2026-03-01`, or a timestamp (Twenty's
/// export) whose date is taken.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| DateTime::parse_from_rfc3339(s).map(|t| t.date_naive()))
        .or_else(|_| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d"))
        .map_err(|_| format!("“{s}” is not a date (YYYY-MM-DD)"))
}

/// A domain as companies are matched by it: the host of a website or
/// URL, lower case, without `www.`.
pub fn normalise_domain(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.split_once("://").map_or(s.as_str(), |(_, rest)| rest);
    let host = s.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    (host.contains('.') && !host.starts_with('.') && !host.ends_with('.')).then(|| host.to_string())
}

/// A full name as first name (its first word) and last name (the rest).
pub fn split_full_name(s: &str) -> (String, String) {
    let s = s.trim();
    match s.split_once(char::is_whitespace) {
        Some((first, rest)) => (first.to_string(), rest.trim().to_string()),
        None => (s.to_string(), String::new()),
    }
}

/// A yes/no cell (`true`, `yes`, `1`, `x`; `false`, `no`, `0`).
pub fn parse_flag(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "x" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("“{s}” is not yes or no")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_micros_exactly() {
        assert_eq!(parse_amount_micros("12000.5"), Ok(12_000_500_000));
        assert_eq!(parse_amount_micros("12,000.50"), Ok(12_000_500_000));
        assert_eq!(parse_amount_micros("€ 90"), Ok(90_000_000));
        assert_eq!(parse_amount_micros("0.000001"), Ok(1));
        assert!(parse_amount_micros("abc").is_err());
        assert!(parse_amount_micros("1.0000001").is_err());
        assert!(parse_amount_micros("-5").is_err());
        assert!(parse_amount_micros("99999999999999999999").is_err());
    }

    #[test]
    fn dates_domains_names_and_flags() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(parse_date("2026-03-01"), Ok(d));
        assert_eq!(parse_date("2026-03-01T00:00:00.000Z"), Ok(d));
        assert!(parse_date("01/03/2026").is_err());
        assert_eq!(
            normalise_domain("https://www.Acme.com/about"),
            Some("acme.com".into())
        );
        assert_eq!(normalise_domain("acme.co.uk"), Some("acme.co.uk".into()));
        assert_eq!(normalise_domain("acme"), None);
        assert_eq!(
            split_full_name(" Ada  King Lovelace "),
            ("Ada".into(), "King Lovelace".into())
        );
        assert_eq!(split_full_name("Cher"), ("Cher".into(), String::new()));
        assert_eq!(parse_flag("Yes"), Ok(true));
        assert!(parse_flag("maybe").is_err());
    }
}
