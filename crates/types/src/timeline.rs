//! A record's timeline as its page shows it: one page of lines, newest
//! first, and where the next older page starts.
//!
//! The lines are written on the server: the page shows them as text and
//! never edits them, so it receives them as HTML (`TimelineShown`) rather
//! than every activity's body and every change's values, and its hydration
//! data leaves that HTML out.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One line of a timeline: when, and what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub text: String,
}

/// One page of a timeline, as the server reads it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    pub entries: Vec<TimelineEntry>,
    /// Where the next older page starts (`?before=`), when there is one.
    pub older: Option<String>,
    /// This page starts before the newest entry (a cursor was given).
    pub paged: bool,
}

/// One page of a timeline as a page receives it: its lines written on the
/// server (`<li>` items), then where the older page starts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelineShown {
    pub lines: crate::ServerHtml,
    pub older: Option<String>,
    pub paged: bool,
}

/// The last entry a page showed, and so where the next one starts.
///
/// Entries are ordered newest first; at one instant activities come before
/// audited changes, and each kind by its id, descending. Activities and
/// changes have ids of different types, so the cursor names the kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineCursor {
    pub at: DateTime<Utc>,
    pub last: CursorEntry,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CursorEntry {
    Activity(Uuid),
    Change(i64),
}

impl fmt::Display for TimelineCursor {
    /// `a<µs since the epoch>.<uuid>` or `c<µs>.<change id>`: Postgres keeps
    /// microseconds, so the cursor names the instant exactly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.at.timestamp_micros();
        match self.last {
            CursorEntry::Activity(id) => write!(f, "a{micros}.{id}"),
            CursorEntry::Change(id) => write!(f, "c{micros}.{id}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadCursor;

impl FromStr for TimelineCursor {
    type Err = BadCursor;

    fn from_str(s: &str) -> Result<Self, BadCursor> {
        let (kind, rest) = s.split_at_checked(1).ok_or(BadCursor)?;
        let (micros, id) = rest.split_once('.').ok_or(BadCursor)?;
        let at = micros
            .parse()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or(BadCursor)?;
        let last = match kind {
            "a" => CursorEntry::Activity(id.parse().map_err(|_| BadCursor)?),
            "c" => CursorEntry::Change(id.parse().map_err(|_| BadCursor)?),
            _ => return Err(BadCursor),
        };
        Ok(Self { at, last })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written() {
        let at = DateTime::from_timestamp_micros(1_733_500_000_123_456).unwrap();
        for last in [
            CursorEntry::Activity(Uuid::new_v4()),
            CursorEntry::Change(42),
        ] {
            let c = TimelineCursor { at, last };
            assert_eq!(c.to_string().parse::<TimelineCursor>(), Ok(c));
        }
    }

    #[test]
    fn a_malformed_cursor_is_refused() {
        for bad in [
            "",
            "a",
            "a123",
            "x1.2",
            "a1.not-a-uuid",
            "c1.x",
            "c.5",
            "cé.5",
            "a99999999999999999999.1",
        ] {
            assert_eq!(bad.parse::<TimelineCursor>(), Err(BadCursor), "{bad}");
        }
    }
}
