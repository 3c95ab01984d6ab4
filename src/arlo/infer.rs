//! What arlo notices in what people wrote (a meeting note, a reply) that
//! bears on a strategic field: only ever a suggestion for the founder. And
//! what a reply asks of someone: a to-do (an operational act), which only a
//! person completes.

use redkey_data::{
    calendar,
    notes::Target,
    records,
    suggestions::{self, NewSuggestion},
    todos::{self, NewTodo},
    DbError, Tx,
};
use redkey_types::{Activity, Contact, RecordKind, RecordRef, SuggestedField};
use serde_json::json;
use uuid::Uuid;

use super::interpret::{date_spec, DateSpec};

/// An activity (a meeting note, a reply) that says when to talk again
/// becomes a suggestion for the contact's recontact date, never the date
/// itself; once per activity.
pub async fn suggest_recontact(
    tx: &mut Tx,
    a: &Activity,
    contact: Uuid,
) -> Result<Option<Uuid>, DbError> {
    let text = format!(
        "{}\n{}",
        a.subject.as_deref().unwrap_or(""),
        a.body.as_deref().unwrap_or("")
    );
    let Some((when, said)) = recontact(&text) else {
        return Ok(None);
    };
    let today = calendar::today(tx, chrono::Utc::now()).await?;
    let at = calendar::nine_am(tx, when.resolve(today)).await?;
    let suggestion = NewSuggestion {
        record: RecordRef {
            kind: RecordKind::Contact,
            id: contact,
        },
        field: SuggestedField::RecontactAt,
        proposed: json!(at.to_rfc3339()),
        why: format!("The {} logged says “{said}”.", a.kind.replace('_', " ")),
        source: format!("activity:{}", a.id),
    };
    suggestions::suggest(tx, &suggestion).await
}

/// A reply just logged becomes a to-do to answer it, on the contact,
/// unassigned; once per reply (callers call this only for a new activity).
pub async fn reply_todo(tx: &mut Tx, a: &Activity, contact: Uuid) -> Result<Uuid, DbError> {
    let who = records::get::<Contact>(tx, contact).await?;
    let name = Some(who.full_name())
        .filter(|n| !n.trim().is_empty())
        .or(who.email)
        .unwrap_or_else(|| "the contact".into());
    let todo = todos::add(
        tx,
        NewTodo {
            title: format!("Reply to {name}"),
            body_markdown: a
                .subject
                .as_deref()
                .map(|s| format!("They answered “{s}”."))
                .unwrap_or_default(),
            target: Some(Target::Contact(contact)),
            ..Default::default()
        },
    )
    .await?;
    Ok(todo.id)
}

/// Phrases after which a day says when to get back in touch.
const CUES: [&str; 9] = [
    "talk again",
    "speak again",
    "recontact",
    "follow up",
    "circle back",
    "get back in touch",
    "reconnect",
    "check back",
    "not before",
];

/// When `text` says to get back in touch ("let's talk again in March",
/// "not before Q3"): the day, and the words that said it.
pub fn recontact(text: &str) -> Option<(DateSpec, String)> {
    let lower = text.to_lowercase();
    for cue in CUES {
        let Some(at) = lower.find(cue) else { continue };
        let rest: Vec<&str> = lower[at + cue.len()..]
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | ';' | '!' | '?'))
            .filter(|w| !w.is_empty())
            .take(5)
            .collect();
        // The day may come a few words on ("follow up with them in July").
        for start in 0..rest.len() {
            for len in [2, 3] {
                let Some(words) = rest.get(start..start + len) else {
                    continue;
                };
                let phrase = words.join(" ");
                let spec = date_spec(&phrase).or_else(|| date_spec(&format!("in {phrase}")));
                if let Some(spec) = spec {
                    let said = format!("{cue} {}", rest[..start + len].join(" "));
                    return Some((spec, said));
                }
            }
            if let Some(spec) = date_spec(&format!("in {}", rest[start])) {
                return Some((spec, format!("{cue} {}", rest[..=start].join(" "))));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn days_to_get_back_in_touch_are_noticed() {
        assert_eq!(
            recontact("Good call. Let's talk again in March."),
            Some((DateSpec::Month(3), "talk again in march".into()))
        );
        assert_eq!(
            recontact("Thanks — not before Q3, budgets are frozen"),
            Some((DateSpec::Quarter(3), "not before q3".into()))
        );
        assert_eq!(
            recontact("I'll follow up with them next Tuesday"),
            Some((
                DateSpec::Next(Weekday::Tue),
                "follow up with them next tuesday".into()
            ))
        );
        assert_eq!(
            recontact("Circle back in 3 weeks"),
            Some((DateSpec::InDays(21), "circle back in 3 weeks".into()))
        );
        assert_eq!(recontact("Great meeting, they loved the demo."), None);
        assert_eq!(recontact("We will talk again soon."), None);
    }
}
