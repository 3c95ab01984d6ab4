//! Parsing of cockpit form fields, once for every server function: each
//! error names the field it belongs next to.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::model::{AppError, Priority, MAX_DEAL_AMOUNT};

/// Trimmed text; empty is none.
pub fn text(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// A priority from the select; empty is none.
/// A required text field, trimmed; empty is refused next to the field.
pub fn required(field: &str, raw: &str, message: &str) -> Result<String, AppError> {
    text(raw).ok_or_else(|| AppError::invalid(field, message))
}

pub fn priority(raw: &str) -> Result<Option<Priority>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        p => Priority::parse(p)
            .map(Some)
            .ok_or_else(|| AppError::invalid("priority", "choose a priority from the list")),
    }
}

/// A `YYYY-MM-DD` date input; empty is none.
pub fn date(raw: &str, field: &str) -> Result<Option<NaiveDate>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::invalid(field, "use a date like 2027-01-31")),
    }
}

/// A recontact date input (field `recontact_at`); the date means 09:00 UTC.
pub fn recontact(raw: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(date(raw, "recontact_at")?.map(|d| d.and_hms_opt(9, 0, 0).expect("09:00 exists").and_utc()))
}

/// A company's domain as typed ("https://Example.com/" -> "example.com");
/// empty is none.
pub fn domain(raw: &str) -> Result<Option<String>, AppError> {
    let Some(d) = text(raw) else {
        return Ok(None);
    };
    let d = d
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_lowercase();
    if !d.contains('.') || d.contains(char::is_whitespace) {
        return Err(AppError::invalid(
            "domain",
            "a domain looks like example.com",
        ));
    }
    Ok(Some(d))
}

/// A choice from a select: empty is none, anything else must be an id.
pub fn pick(raw: &str, field: &str) -> Result<Option<Uuid>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "choose from the list")),
    }
}

/// "12,500" or "12500.50" -> micros; empty -> none.
pub fn amount(raw: &str) -> Result<Option<i64>, AppError> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '$' | '€' | '£'))
        .collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::invalid("amount", "enter an amount like 12500 or 12,500.50");
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 6
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<6}").parse().map_err(|_| bad())?;
    if whole > MAX_DEAL_AMOUNT || (whole == MAX_DEAL_AMOUNT && frac > 0) {
        return Err(AppError::invalid(
            "amount",
            format!(
                "an amount is at most {}",
                crate::model::format::money_units(MAX_DEAL_AMOUNT, "").trim_end()
            ),
        ));
    }
    whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(frac))
        .map(Some)
        .ok_or_else(bad)
}

/// A record typed into a picker (`Lookup`): its label resolved in the
/// transaction's client; the error sits next to the field.
#[cfg(feature = "ssr")]
pub async fn pick_record(
    tx: &mut crate::ssr::db::Tx,
    kind: crate::ssr::db::lookup::Kind,
    raw: &str,
    field: &str,
) -> Result<Option<Uuid>, AppError> {
    use crate::ssr::db::{lookup, DbError};
    match lookup::resolve(tx, kind, raw).await {
        Err(DbError::Invalid(m)) => Err(AppError::invalid(field, m)),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::{amount as parse_amount, date, priority};

    #[test]
    fn amounts_parse_to_micros() {
        assert_eq!(parse_amount("12,500").unwrap(), Some(12_500_000_000));
        assert_eq!(parse_amount("$12500.5").unwrap(), Some(12_500_500_000));
        assert_eq!(parse_amount("").unwrap(), None);
        for bad in [
            "12a",
            ".5",
            "1.1234567",
            "-3",
            "99999999999999999",
            "1000000000000.01",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_amount("1,000,000,000,000").unwrap(),
            Some(1_000_000_000_000_000_000)
        );
        let over = parse_amount("1000000000001").unwrap_err();
        assert_eq!(over.field(), Some("amount"));
    }

    #[test]
    fn bad_dates_and_priorities_name_their_field() {
        assert_eq!(date("", "close_date").unwrap(), None);
        assert_eq!(
            date("2027-01-31", "close_date")
                .unwrap()
                .unwrap()
                .to_string(),
            "2027-01-31"
        );
        assert_eq!(
            date("31/01/2027", "close_date")
                .unwrap_err()
                .for_field("close_date")
                .unwrap(),
            "use a date like 2027-01-31"
        );
        assert!(priority("urgent")
            .unwrap_err()
            .for_field("priority")
            .is_some());
    }
}
