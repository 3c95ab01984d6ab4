//! A calendar day read back from its ISO form (`2026-12-05`) without
//! chrono's general parser. The navigation's `Me` carries days, and `Me`
//! is decoded in the first wasm module of every page; chrono's parser was
//! 14.6 KB of that module for days alone (BENCHMARKS.md, session 41).
//! Written out, a day is chrono's own `Serialize`, so the wire form is
//! unchanged.

use chrono::NaiveDate;
use serde::{de, Deserialize, Deserializer};

/// `YYYY-MM-DD`, the form chrono writes for years 0 to 9999.
pub fn parse(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// For `#[serde(deserialize_with = "crate::day::optional")]`.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => parse(&s)
            .map(Some)
            .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&s), &"a day as YYYY-MM-DD")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "optional")]
        on: Option<NaiveDate>,
    }

    fn read(json: &str) -> Result<Option<NaiveDate>, serde_json::Error> {
        serde_json::from_str::<Holder>(json).map(|h| h.on)
    }

    #[test]
    fn reads_back_what_chrono_writes() {
        for day in ["2026-12-05", "2024-02-29", "0001-01-01", "9999-12-31"] {
            let d: NaiveDate = day.parse().unwrap();
            let json = format!("{{\"on\":{}}}", serde_json::to_string(&d).unwrap());
            assert_eq!(read(&json).unwrap(), Some(d), "{json}");
        }
        assert_eq!(read(r#"{"on":null}"#).unwrap(), None);
    }

    #[test]
    fn refuses_what_is_not_a_day() {
        for bad in ["2026-02-30", "2026-13-01", "2026-1-05", "2026/12/05", "20261205xx", "+2026-12-0", "２０２６-12-05"] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        let err = read(r#"{"on":"2026-02-30"}"#).unwrap_err().to_string();
        assert!(err.contains("a day as YYYY-MM-DD"), "{err}");
        assert!(read(r#"{"on":20261205}"#).is_err());
    }
}
