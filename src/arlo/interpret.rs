//! The built-in interpreter: turns a founder's sentence into what it asks
//! of which record, without a model. Records are named as the sentence
//! names them; `resolve` looks them up (and asks back when two match).
//! Only strategic fields are ever asked for: a sentence about an
//! operational field is refused.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use redkey_types::Priority;
use serde::{Deserialize, Serialize};

/// Which kind of record a sentence is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Contact,
    Company,
    Deal,
}

/// A record as the sentence names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub kind: TargetKind,
    pub name: String,
    /// "Sarah at Meridian": the company that tells two people apart.
    #[serde(default)]
    pub at_company: Option<String>,
}

/// A day named in words, resolved against the client's today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateSpec {
    /// "in July": the first of the coming July.
    Month(u32),
    /// "in Q3": the first day of the coming quarter.
    Quarter(u32),
    /// "next Tuesday": the first such weekday after today.
    Next(Weekday),
    /// "in 3 weeks", "in 10 days".
    InDays(i64),
    /// A day the model named.
    On(NaiveDate),
}

/// One strategic change a sentence asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Priority(Priority),
    /// A stage as named (matched against the pipeline's stages later).
    Stage(String),
    Recontact(DateSpec),
    /// Text to add to the strategy note (the reason).
    StrategyNote(String),
    /// Text to add to the relationship note (the person's context).
    RelationshipNote(String),
}

/// What a sentence asks: changes to one record (none named: the record
/// the page shows, if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    pub target: Option<Target>,
    pub changes: Vec<Change>,
}

/// Why a sentence is not carried out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0} is arlo's to maintain; tell arlo what you want decided instead")]
    OperationalField(String),
    #[error("I could not tell what to change in: {0}")]
    Unclear(String),
}

/// Fields arlo keeps; a sentence asking to set one is refused.
const OPERATIONAL: [&str; 7] = [
    "last activity",
    "open count",
    "thread count",
    "enriched",
    "linkedin",
    "sequence step",
    "employees",
];

pub fn interpret(sentence: &str) -> Result<Instruction, Refusal> {
    let text = sentence.trim().trim_end_matches(['.', '!']);
    let lower = text.to_lowercase();
    if let Some(field) = OPERATIONAL.iter().find(|f| lower.contains(*f)) {
        return Err(Refusal::OperationalField((*field).into()));
    }
    // "main clause — context": the context is what the founder knows.
    let (main, context) = split_context(text);
    let main_lower = main.to_lowercase();
    if let Some(rest) = strip_prefix_ci(main, "move ") {
        return moving(rest);
    }
    if let Some(rest) = strip_prefix_ci(main, "mark ") {
        return marking(rest, context);
    }
    if main_lower.contains(" deal is ") || main_lower.contains(" deal has ") {
        return deal_news(main, context);
    }
    Err(Refusal::Unclear(sentence.trim().into()))
}

/// "Move the Volta deal to Negotiation, we're close": the stage only.
fn moving(rest: &str) -> Result<Instruction, Refusal> {
    let rest = rest.split(',').next().unwrap_or(rest);
    let lower = rest.to_lowercase();
    let at = lower
        .rfind(" to ")
        .ok_or_else(|| Refusal::Unclear(rest.into()))?;
    let (who, stage) = (&rest[..at], rest[at + 4..].trim());
    let target = deal_named(who);
    if stage.is_empty() {
        return Err(Refusal::Unclear(rest.into()));
    }
    Ok(Instruction {
        target,
        changes: vec![Change::Stage(stage.into())],
    })
}

/// "Mark Sarah at Meridian as a priority — strong champion, CFO
/// relationship": the priority, and the context on the person.
fn marking(rest: &str, context: Option<&str>) -> Result<Instruction, Refusal> {
    let lower = rest.to_lowercase();
    let at = lower
        .rfind(" as ")
        .ok_or_else(|| Refusal::Unclear(rest.into()))?;
    let (who, what) = (rest[..at].trim(), lower[at + 4..].trim().to_string());
    let priority = if what.contains("critical") {
        Priority::Critical
    } else if what.contains("low") {
        Priority::Low
    } else if what.contains("medium") {
        Priority::Medium
    } else if what.contains("priority") || what.contains("high") {
        Priority::High
    } else {
        return Err(Refusal::Unclear(rest.into()));
    };
    let target = deal_named(who).or_else(|| person_named(who));
    let mut changes = vec![Change::Priority(priority)];
    if let Some(c) = context {
        changes.push(match target.as_ref().map(|t| t.kind) {
            Some(TargetKind::Contact) => Change::RelationshipNote(c.into()),
            _ => Change::StrategyNote(c.into()),
        });
    }
    Ok(Instruction { target, changes })
}

/// "The Acme deal is stalled — budget freeze until Q3, recontact in
/// July": the reason to the strategy note, the recontact date; the state
/// itself ("stalled") changes no field.
fn deal_news(main: &str, context: Option<&str>) -> Result<Instruction, Refusal> {
    let lower = main.to_lowercase();
    let end = lower
        .find(" deal ")
        .ok_or_else(|| Refusal::Unclear(main.into()))?;
    let target = deal_named(&main[..end + 5]);
    let mut changes = vec![];
    let mut reasons = vec![];
    for part in context
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match strip_prefix_ci(part, "recontact ").and_then(date_spec) {
            Some(when) => changes.push(Change::Recontact(when)),
            None => reasons.push(part),
        }
    }
    if !reasons.is_empty() {
        changes.insert(0, Change::StrategyNote(reasons.join(", ")));
    }
    if changes.is_empty() {
        return Err(Refusal::Unclear(main.into()));
    }
    Ok(Instruction { target, changes })
}

/// "the Acme deal" -> a deal named "Acme".
fn deal_named(words: &str) -> Option<Target> {
    let lower = words.trim().to_lowercase();
    let name = lower.strip_suffix(" deal")?;
    let start = words.trim().len() - lower.len() + name.len();
    let original = words.trim()[..start].trim();
    let name = strip_prefix_ci(original, "the ").unwrap_or(original).trim();
    let named = !name.is_empty() && !PRONOUNS.iter().any(|p| name.eq_ignore_ascii_case(p));
    named.then(|| Target {
        kind: TargetKind::Deal,
        name: name.into(),
        at_company: None,
    })
}

/// Words that point at the page's record instead of naming one.
const PRONOUNS: [&str; 8] = [
    "the",
    "this",
    "that",
    "it",
    "him",
    "her",
    "them",
    "this contact",
];

/// "Sarah at Meridian" -> a contact named "Sarah" at "Meridian".
fn person_named(words: &str) -> Option<Target> {
    let words = words.trim();
    if PRONOUNS.iter().any(|p| words.eq_ignore_ascii_case(p)) {
        return None;
    }
    let lower = words.to_lowercase();
    let (name, company) = match lower.find(" at ") {
        Some(i) => (&words[..i], Some(words[i + 4..].trim().to_string())),
        None => (words, None),
    };
    (!name.trim().is_empty()).then(|| Target {
        kind: TargetKind::Contact,
        name: name.trim().into(),
        at_company: company.filter(|c| !c.is_empty()),
    })
}

/// Month names, January first.
pub const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// "in July", "in Q3", "next Tuesday", "in 3 weeks".
pub fn date_spec(words: &str) -> Option<DateSpec> {
    let lower = words.trim().to_lowercase();
    if let Some(day) = lower.strip_prefix("next ") {
        return day.parse::<Weekday>().ok().map(DateSpec::Next);
    }
    let when = lower.strip_prefix("in ")?;
    if let Some(q) = when.strip_prefix('q') {
        return q
            .parse()
            .ok()
            .filter(|q| (1..=4).contains(q))
            .map(DateSpec::Quarter);
    }
    if let Some(m) = MONTHS.iter().position(|m| *m == when) {
        return Some(DateSpec::Month(m as u32 + 1));
    }
    let (n, unit) = when.split_once(' ')?;
    let n: i64 = n.parse().ok()?;
    match unit.trim_end_matches('s') {
        "day" => Some(DateSpec::InDays(n)),
        "week" => Some(DateSpec::InDays(7 * n)),
        _ => None,
    }
}

impl DateSpec {
    /// The concrete future day, from the client's `today`; the time of day
    /// (09:00 in the client's zone) is set when it is stored.
    pub fn resolve(self, today: NaiveDate) -> NaiveDate {
        let first_of = |month: u32| {
            let this = NaiveDate::from_ymd_opt(today.year(), month, 1).expect("a month's first");
            if this > today {
                this
            } else {
                NaiveDate::from_ymd_opt(today.year() + 1, month, 1).expect("a month's first")
            }
        };
        match self {
            Self::Month(m) => first_of(m),
            Self::Quarter(q) => first_of(3 * (q - 1) + 1),
            Self::Next(day) => {
                let ahead = (7 + day.num_days_from_monday() as i64
                    - today.weekday().num_days_from_monday() as i64)
                    % 7;
                today + Duration::days(if ahead == 0 { 7 } else { ahead })
            }
            Self::InDays(n) => today + Duration::days(n),
            Self::On(day) => day,
        }
    }
}

fn split_context(text: &str) -> (&str, Option<&str>) {
    for dash in [" — ", " – ", " - ", "—", "–"] {
        if let Some((main, rest)) = text.split_once(dash) {
            return (main.trim(), Some(rest.trim()).filter(|r| !r.is_empty()));
        }
    }
    (text.trim(), None)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deal(name: &str) -> Target {
        Target {
            kind: TargetKind::Deal,
            name: name.into(),
            at_company: None,
        }
    }

    #[test]
    fn the_three_sentences_ask_exactly_their_changes() {
        assert_eq!(
            interpret("The Acme deal is stalled — budget freeze until Q3, recontact in July")
                .unwrap(),
            Instruction {
                target: Some(deal("Acme")),
                changes: vec![
                    Change::StrategyNote("budget freeze until Q3".into()),
                    Change::Recontact(DateSpec::Month(7)),
                ],
            }
        );
        assert_eq!(
            interpret("Mark Sarah at Meridian as a priority — strong champion, CFO relationship")
                .unwrap(),
            Instruction {
                target: Some(Target {
                    kind: TargetKind::Contact,
                    name: "Sarah".into(),
                    at_company: Some("Meridian".into()),
                }),
                changes: vec![
                    Change::Priority(Priority::High),
                    Change::RelationshipNote("strong champion, CFO relationship".into()),
                ],
            }
        );
        assert_eq!(
            interpret("Move the Volta deal to Negotiation, we're close").unwrap(),
            Instruction {
                target: Some(deal("Volta")),
                changes: vec![Change::Stage("Negotiation".into())],
            }
        );
    }

    #[test]
    fn operational_fields_and_nonsense_are_refused() {
        assert_eq!(
            interpret("Set Sarah's open count to 3"),
            Err(Refusal::OperationalField("open count".into()))
        );
        assert!(matches!(
            interpret("Lovely weather today"),
            Err(Refusal::Unclear(_))
        ));
        // No record named: the page's record, if there is one.
        assert_eq!(
            interpret("Move this deal to Won").unwrap(),
            Instruction {
                target: None,
                changes: vec![Change::Stage("Won".into())],
            }
        );
        assert_eq!(interpret("Mark her as critical").unwrap().target, None);
    }

    #[test]
    fn dates_resolve_to_the_coming_day() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // 29 November 2026 is a Sunday.
        let today = d(2026, 11, 29);
        assert_eq!(DateSpec::Month(7).resolve(today), d(2027, 7, 1));
        assert_eq!(DateSpec::Month(12).resolve(today), d(2026, 12, 1));
        assert_eq!(DateSpec::Month(11).resolve(today), d(2027, 11, 1));
        assert_eq!(DateSpec::Quarter(3).resolve(today), d(2027, 7, 1));
        assert_eq!(DateSpec::Next(Weekday::Tue).resolve(today), d(2026, 12, 1));
        assert_eq!(DateSpec::Next(Weekday::Sun).resolve(today), d(2026, 12, 6));
        assert_eq!(DateSpec::InDays(21).resolve(today), d(2026, 12, 20));
        assert_eq!(date_spec("in 3 weeks"), Some(DateSpec::InDays(21)));
        assert_eq!(
            date_spec("next tuesday"),
            Some(DateSpec::Next(Weekday::Tue))
        );
        assert_eq!(date_spec("in Q5"), None);
    }
}
