//! The parts of iCalendar (RFC 5545) a meeting needs: each VEVENT's UID,
//! start and end (UTC, floating or in a named zone, or a whole day), title,
//! status, attendees and organizer, and its recurrence (RRULE with FREQ,
//! INTERVAL, COUNT, UNTIL and a weekly BYDAY; EXDATE; RECURRENCE-ID
//! overrides), expanded over a window.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};

/// A time as the calendar wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum When {
    Utc(DateTime<Utc>),
    /// Local time in a named zone (None: floating, read as UTC).
    Local(NaiveDateTime, Option<String>),
}

impl When {
    pub fn naive(&self) -> NaiveDateTime {
        match self {
            Self::Utc(t) => t.naive_utc(),
            Self::Local(t, _) => *t,
        }
    }

    pub fn zone(&self) -> Option<&str> {
        match self {
            Self::Utc(_) => None,
            Self::Local(_, z) => z.as_deref(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub freq: String,
    pub interval: i64,
    pub count: Option<usize>,
    pub until: Option<NaiveDateTime>,
    pub by_day: Vec<Weekday>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub uid: String,
    pub start: When,
    pub duration: Duration,
    pub summary: Option<String>,
    pub cancelled: bool,
    /// Attendees' and the organizer's addresses, lowercase.
    pub people: Vec<String>,
    pub rule: Option<Rule>,
    pub exdates: Vec<NaiveDateTime>,
    /// Set on an override of one occurrence of a recurring event.
    pub recurrence_id: Option<NaiveDateTime>,
}

/// One occurrence, start still in the event's own zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Local {
    pub uid: String,
    pub start: NaiveDateTime,
    pub zone: Option<String>,
    pub duration: Duration,
    pub summary: Option<String>,
    pub cancelled: bool,
    pub people: Vec<String>,
}

fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = vec![];
    for raw in text.split('\n') {
        let raw = raw.trim_end_matches('\r');
        if let (Some(rest), Some(last)) = (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            last.push_str(rest);
        } else if !raw.is_empty() {
            lines.push(raw.to_string());
        }
    }
    lines
}

/// "DTSTART;TZID=Europe/Berlin" + "20270104T100000".
fn when(params: &str, value: &str) -> Option<When> {
    let zone = params
        .split(';')
        .find_map(|p| p.strip_prefix("TZID="))
        .map(|z| z.trim_matches('"').to_string());
    if params.contains("VALUE=DATE") && !params.contains("VALUE=DATE-TIME") || value.len() == 8 {
        let d = NaiveDate::parse_from_str(value, "%Y%m%d").ok()?;
        return Some(When::Local(d.and_hms_opt(0, 0, 0)?, zone));
    }
    if let Some(utc) = value.strip_suffix('Z') {
        let t = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").ok()?;
        return Some(When::Utc(t.and_utc()));
    }
    let t = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").ok()?;
    Some(When::Local(t, zone))
}

/// "PT1H30M", "P1D".
fn duration(v: &str) -> Option<Duration> {
    let v = v.strip_prefix('P')?;
    let (days, time) = v.split_once('T').unwrap_or((v, ""));
    let mut total = Duration::zero();
    let mut num = String::new();
    for (part, units) in [
        (days, [('W', 7 * 86400), ('D', 86400)]),
        (time, [('H', 3600), ('M', 60)]),
    ] {
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
            } else if let Some((_, secs)) = units.iter().find(|(u, _)| *u == c) {
                total += Duration::seconds(num.parse::<i64>().ok()? * secs);
                num.clear();
            } else if c == 'S' {
                total += Duration::seconds(num.parse::<i64>().ok()?);
                num.clear();
            }
        }
    }
    Some(total)
}

fn rule(v: &str) -> Option<Rule> {
    let mut r = Rule {
        freq: String::new(),
        interval: 1,
        count: None,
        until: None,
        by_day: vec![],
    };
    for part in v.split(';') {
        let (k, val) = part.split_once('=')?;
        match k {
            "FREQ" => r.freq = val.to_string(),
            "INTERVAL" => r.interval = val.parse().ok()?,
            "COUNT" => r.count = val.parse().ok(),
            "UNTIL" => r.until = when("", val).map(|w| w.naive()),
            "BYDAY" => {
                r.by_day = val
                    .split(',')
                    .filter_map(|d| {
                        match d.trim_start_matches(|c: char| c == '-' || c.is_ascii_digit()) {
                            "MO" => Some(Weekday::Mon),
                            "TU" => Some(Weekday::Tue),
                            "WE" => Some(Weekday::Wed),
                            "TH" => Some(Weekday::Thu),
                            "FR" => Some(Weekday::Fri),
                            "SA" => Some(Weekday::Sat),
                            "SU" => Some(Weekday::Sun),
                            _ => None,
                        }
                    })
                    .collect()
            }
            _ => {}
        }
    }
    (!r.freq.is_empty() && r.interval > 0).then_some(r)
}

pub fn parse(text: &str) -> Vec<Event> {
    let mut events = vec![];
    let mut current: Option<(Event, Option<When>, Option<Duration>)> = None;
    for line in unfold(text) {
        if line == "BEGIN:VEVENT" {
            current = Some((
                Event {
                    uid: String::new(),
                    start: When::Utc(DateTime::UNIX_EPOCH),
                    duration: Duration::hours(1),
                    summary: None,
                    cancelled: false,
                    people: vec![],
                    rule: None,
                    exdates: vec![],
                    recurrence_id: None,
                },
                None,
                None,
            ));
            continue;
        }
        if line == "END:VEVENT" {
            if let Some((mut e, end, dur)) = current.take() {
                if let Some(d) = dur {
                    e.duration = d;
                } else if let Some(end) = end {
                    e.duration = end.naive() - e.start.naive();
                }
                if !e.uid.is_empty() && e.start != When::Utc(DateTime::UNIX_EPOCH) {
                    events.push(e);
                }
            }
            continue;
        }
        let Some((e, end, dur)) = current.as_mut() else {
            continue;
        };
        let Some((head, value)) = line.split_once(':') else {
            continue;
        };
        let (name, params) = head.split_once(';').unwrap_or((head, ""));
        match name.to_ascii_uppercase().as_str() {
            "UID" => e.uid = value.to_string(),
            "SUMMARY" => e.summary = Some(value.replace("\\,", ",").replace("\\n", " ")),
            "STATUS" => e.cancelled = value.eq_ignore_ascii_case("CANCELLED"),
            "DTSTART" => {
                if let Some(w) = when(params, value) {
                    e.start = w;
                }
            }
            "DTEND" => *end = when(params, value),
            "DURATION" => *dur = duration(value),
            "RRULE" => e.rule = rule(value),
            "EXDATE" => e.exdates.extend(
                value
                    .split(',')
                    .filter_map(|v| when(params, v))
                    .map(|w| w.naive()),
            ),
            "RECURRENCE-ID" => e.recurrence_id = when(params, value).map(|w| w.naive()),
            "ATTENDEE" | "ORGANIZER" => {
                let lower = line.to_lowercase();
                if let Some(at) = lower.find("mailto:") {
                    let addr = lower[at + 7..].trim().to_string();
                    if addr.contains('@') && !e.people.contains(&addr) {
                        e.people.push(addr);
                    }
                }
            }
            _ => {}
        }
    }
    events
}

/// Every occurrence starting in [from, to) (local times compared as if
/// UTC: a day's slack either side is the caller's), overrides and EXDATEs
/// applied, at most 500 per event.
pub fn expand(events: &[Event], from: NaiveDateTime, to: NaiveDateTime) -> Vec<Local> {
    let mut out = vec![];
    for e in events.iter().filter(|e| e.recurrence_id.is_none()) {
        let overrides: Vec<&Event> = events
            .iter()
            .filter(|o| o.uid == e.uid && o.recurrence_id.is_some())
            .collect();
        for start in starts(e, to) {
            if start < from || e.exdates.contains(&start) {
                continue;
            }
            let this = overrides
                .iter()
                .find(|o| o.recurrence_id == Some(start))
                .copied()
                .unwrap_or(e);
            out.push(Local {
                uid: e.uid.clone(),
                start: if std::ptr::eq(this, e) {
                    start
                } else {
                    this.start.naive()
                },
                zone: this.start.zone().map(String::from),
                duration: this.duration,
                summary: this.summary.clone(),
                cancelled: this.cancelled,
                people: this.people.clone(),
            });
        }
    }
    out
}

fn starts(e: &Event, to: NaiveDateTime) -> Vec<NaiveDateTime> {
    let first = e.start.naive();
    let Some(r) = &e.rule else {
        return vec![first];
    };
    let mut out = vec![];
    let limit = r.count.unwrap_or(500).min(500);
    let mut step = 0i64;
    while out.len() < limit {
        let base = match r.freq.as_str() {
            "DAILY" => first + Duration::days(step * r.interval),
            "WEEKLY" => first + Duration::weeks(step * r.interval),
            "MONTHLY" => {
                let months = first.month0() as i64 + step * r.interval;
                let (y, m) = (first.year() as i64 + months / 12, (months % 12) as u32 + 1);
                match NaiveDate::from_ymd_opt(y as i32, m, first.day()) {
                    Some(d) => d.and_time(first.time()),
                    None => {
                        step += 1;
                        continue;
                    }
                }
            }
            "YEARLY" => match first.with_year(first.year() + (step * r.interval) as i32) {
                Some(t) => t,
                None => {
                    step += 1;
                    continue;
                }
            },
            _ => return vec![first],
        };
        if base >= to || r.until.is_some_and(|u| base > u) {
            break;
        }
        if r.freq == "WEEKLY" && !r.by_day.is_empty() {
            // Each listed day of this week, from the week's Monday.
            let monday = base - Duration::days(base.weekday().num_days_from_monday() as i64);
            let mut days: Vec<NaiveDateTime> = r
                .by_day
                .iter()
                .map(|d| monday + Duration::days(d.num_days_from_monday() as i64))
                .filter(|t| *t >= first && r.until.is_none_or(|u| *t <= u) && *t < to)
                .collect();
            days.sort();
            for d in days {
                if out.len() < limit {
                    out.push(d);
                }
            }
        } else {
            out.push(base);
        }
        step += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ICS: &str = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTART;TZID=Europe/Berlin:20270104T100000\r\nDTEND;TZID=Europe/Berlin:20270104T103000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20270111T100000\r\nSUMMARY:Weekly sync\r\nORGANIZER:mailto:justin@alpha.test\r\nATTENDEE;CN=Ada:mailto:Ada@Lovelace.test\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:weekly-1\r\nRECURRENCE-ID;TZID=Europe/Berlin:20270118T100000\r\nDTSTART;TZID=Europe/Berlin:20270118T150000\r\nDURATION:PT1H\r\nSUMMARY:Weekly sync (moved)\r\nATTENDEE:mailto:ada@lovelace.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn recurring_events_expand_with_exceptions_and_overrides() {
        let events = parse(ICS);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].people, ["justin@alpha.test", "ada@lovelace.test"]);
        assert_eq!(events[0].duration, Duration::minutes(30));
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let all = expand(&events, t("2027-01-01 00:00"), t("2027-03-01 00:00"));
        let starts: Vec<_> = all
            .iter()
            .map(|o| (o.start, o.summary.clone().unwrap()))
            .collect();
        assert_eq!(
            starts,
            [
                (t("2027-01-04 10:00"), "Weekly sync".to_string()),
                (t("2027-01-18 15:00"), "Weekly sync (moved)".to_string()),
                (t("2027-01-25 10:00"), "Weekly sync".to_string()),
            ]
        );
        assert_eq!(all[0].zone.as_deref(), Some("Europe/Berlin"));
    }
}
