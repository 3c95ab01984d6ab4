//! `meeting.note`: a meeting's notes attached to every attendee who is a
//! contact and to their company's open deal (when exactly one), with the
//! action items (the model's reading, or the notes tool's list) and, where
//! the notes say when to talk again, a recontact suggestion — never the
//! date itself. The caller posts the result in the same transaction, so a
//! rerun finds the message and does nothing twice.

use chrono::{NaiveDate, Utc};
use redkey_data::{
    calendar, contacts, deals,
    notes::{self, Target},
    suggestions::{self, NewSuggestion},
    tasks, Actor, ClientId, Db, Tx,
};
use redkey_types::{kinds::MeetingNote, RecordKind, RecordRef, SuggestedField, Task};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{infer, prompts::MEETING_NOTE, Arlo, Asked};
use crate::engine::TaskError;

#[derive(Deserialize)]
struct Reading {
    action_items: Vec<String>,
    recontact_on: Option<String>,
    said: Option<String>,
}

/// What the notes come to: their action items and when to talk again.
struct Extracted {
    action_items: Vec<String>,
    recontact: Option<(NaiveDate, String)>,
    by: &'static str,
}

/// What attaching came to: done before (its message), or the open
/// transaction holding the notes and suggestions, and the result to post in
/// it.
pub enum Attached {
    Before(Value),
    Now(Tx, Value),
}

pub async fn attach(
    arlo: &Arlo,
    db: &Db,
    task: &Task,
    n: &MeetingNote,
) -> Result<Attached, TaskError> {
    let client = ClientId(task.client_id);
    let mut tx = db.begin(client, Actor::Agent).await?;
    if let Some(seen) = tasks::message_of_task(&mut tx, task.id, "roles.crm").await? {
        return Ok(Attached::Before(seen.body));
    }
    let today = calendar::today(&mut tx, Utc::now()).await?;
    tx.commit().await?;
    let text = format!("{}\n{}\n{}", n.title, n.summary, n.action_items.join("\n"));
    let extracted = match arlo
        .ask::<Reading>(
            db,
            task,
            &MEETING_NOTE,
            &[("today", &today.to_string())],
            &text,
        )
        .await?
    {
        Asked::Answer(r) => Extracted {
            action_items: r.action_items,
            recontact: r
                .recontact_on
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                .filter(|d| *d > today)
                .map(|d| (d, r.said.unwrap_or_default())),
            by: "model",
        },
        Asked::NoModel | Asked::BudgetSpent => Extracted {
            action_items: n.action_items.clone(),
            recontact: infer::recontact(&text).map(|(when, said)| (when.resolve(today), said)),
            by: "built-in",
        },
    };
    let mut tx = db.begin(client, Actor::Agent).await?;
    let mut attached = vec![];
    for email in &n.attendees {
        if let Some(c) = contacts::by_email(&mut tx, email).await? {
            attached.push(c);
        }
    }
    let body = markdown(n, &extracted);
    let mut linked = vec![];
    for c in &attached {
        notes::add(&mut tx, Target::Contact(c.id), &n.title, &body).await?;
        linked.push(json!({ "kind": "contact", "id": c.id }));
        let deal = match c.company_id {
            Some(company) => deals::only_open_of_company(&mut tx, company).await?,
            None => None,
        };
        if let Some(deal) = deal {
            if !linked.iter().any(|l| l["id"] == json!(deal)) {
                notes::add(&mut tx, Target::Deal(deal), &n.title, &body).await?;
                linked.push(json!({ "kind": "deal", "id": deal }));
            }
        }
        if let Some((day, said)) = &extracted.recontact {
            let at = calendar::nine_am(&mut tx, *day).await?;
            suggestions::suggest(
                &mut tx,
                &NewSuggestion {
                    record: RecordRef {
                        kind: RecordKind::Contact,
                        id: c.id,
                    },
                    field: SuggestedField::RecontactAt,
                    proposed: json!(at.to_rfc3339()),
                    why: format!("The notes of “{}” say “{said}”.", n.title),
                    source: format!(
                        "meeting:{}",
                        n.meeting_id.chars().take(150).collect::<String>()
                    ),
                },
            )
            .await?;
        }
    }
    let result = json!({
        "summary": format!("Notes of “{}” attached to {} record(s); {} action item(s).",
                           n.title, linked.len(), extracted.action_items.len()),
        "linked": linked,
        "action_items": extracted.action_items,
        "recontact_suggested": extracted.recontact.as_ref().map(|(d, _)| d.to_string()),
        "read_by": extracted.by,
        "unmatched_attendees": n.attendees.len() - attached.len(),
    });
    Ok(Attached::Now(tx, result))
}

fn markdown(n: &MeetingNote, e: &Extracted) -> String {
    let mut out = String::new();
    if let Some(at) = n.started_at {
        out.push_str(&format!("*{}*\n\n", at.format("%Y-%m-%d %H:%M UTC")));
    }
    if !n.summary.trim().is_empty() {
        out.push_str(n.summary.trim());
        out.push_str("\n\n");
    }
    if !e.action_items.is_empty() {
        out.push_str("**Action items**\n\n");
        for item in &e.action_items {
            out.push_str(&format!("- {}\n", item.trim()));
        }
    }
    if let Some((day, _)) = &e.recontact {
        out.push_str(&format!("\nTalk again: {day} (suggested to the founder)\n"));
    }
    out
}
