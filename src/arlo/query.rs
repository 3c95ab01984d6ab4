//! `crm.query`: the founder asks ("summarise the pipeline", "who should I
//! recontact this week", "draft a follow-up to Sarah after yesterday's
//! call"). Arlo reads through the views as itself, answers with the
//! records the answer rests on, and changes nothing: every transaction
//! here is rolled back.

use chrono::{DateTime, Duration, Utc};
use redkey_data::{
    activities, agenda, calendar, deals, outbox, pipeline, records, Actor, ClientId, Db, Tx,
};
use redkey_types::{
    kinds::Instruct, Activity, AnsweredBy, Attention, Contact, QueryAnswer, RecordHit, RecordKind,
    RecordRef, Stage, Task,
};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{
    interpret::{Target, TargetKind},
    prompts::CRM_QUERY,
    resolve::{self, Resolved},
    Arlo, Asked,
};
use crate::{email::EmailService, engine::TaskError};

/// The person a draft is for, with their latest activities; or the
/// question back when the name is not one person.
type Recipient = Result<(Contact, Vec<Activity>), (String, Vec<RecordHit>)>;

/// What the answer may draw on, read once.
struct Context {
    stages: Vec<Stage>,
    open_deals: i64,
    attention: Vec<Attention>,
    due: Vec<RecordHit>,
    person: Option<Recipient>,
}

#[derive(Deserialize)]
struct ModelAnswer {
    answer: String,
    records: Vec<Uuid>,
    #[serde(default)]
    draft: Option<Email>,
}

/// A drafted email's words.
#[derive(Clone, Debug, Deserialize)]
struct Email {
    subject: String,
    text: String,
}

pub async fn answer(
    arlo: &Arlo,
    db: &Db,
    email: Option<&EmailService>,
    task: &Task,
    p: &Instruct,
) -> Result<QueryAnswer, TaskError> {
    let question = p.text.as_str().to_string();
    let mut tx = db.begin(ClientId(task.client_id), Actor::Agent).await?;
    let now = Utc::now();
    let today = calendar::today(&mut tx, now).await?;
    let context = gather(&mut tx, now, &question, p.about).await?;
    tx.rollback().await?;
    let asked = arlo
        .ask::<ModelAnswer>(
            db,
            task,
            &CRM_QUERY,
            &[
                ("today", &today.to_string()),
                ("context", &context.to_json().to_string()),
            ],
            &question,
        )
        .await?;
    let (answered_by, fallback) = match &asked {
        Asked::Answer(_) => (AnsweredBy::Model, None),
        Asked::NoModel => (AnsweredBy::BuiltIn, None),
        Asked::BudgetSpent => (
            AnsweredBy::BuiltIn,
            Some("today's model budget is spent".to_string()),
        ),
    };
    let (answer, records, words) = match asked {
        // Only records the model was shown: an id it made up names nothing.
        Asked::Answer(a) => {
            let known = context.records();
            let used = a
                .records
                .iter()
                .filter_map(|id| known.iter().find(|h| h.id == *id).cloned())
                .collect();
            (a.answer, used, a.draft)
        }
        Asked::NoModel | Asked::BudgetSpent => built_in(&question, &context),
    };
    let (draft_id, draft_note) = match (&context.person, words) {
        (Some(Ok((contact, _))), Some(words)) => {
            store_draft(db, email, task, contact, &words).await?
        }
        _ => (None, None),
    };
    Ok(QueryAnswer {
        question,
        answered_by,
        fallback,
        answer,
        records,
        draft_id,
        draft_note,
    })
}

/// Stores the drafted email in the outbox as a draft, from the client's
/// sender, once per task; or says why it cannot.
async fn store_draft(
    db: &Db,
    email: Option<&EmailService>,
    task: &Task,
    contact: &Contact,
    words: &Email,
) -> Result<(Option<Uuid>, Option<String>), TaskError> {
    let Some(to) = contact.email_address() else {
        return Ok((
            None,
            Some(format!("{} has no email address", contact.full_name())),
        ));
    };
    let mut tx = db.begin(ClientId(task.client_id), Actor::Agent).await?;
    let slug = redkey_data::current_client(&mut tx).await?.slug;
    let Some(account) = email.and_then(|e| e.account(&slug)) else {
        return Ok((
            None,
            Some("email sending is not configured for this client".into()),
        ));
    };
    let request = json!({
        "from": account.from,
        "to": [to],
        "subject": words.subject,
        "text": words.text,
        "tags": [{ "name": "draft", "value": task.id.simple().to_string() }],
    });
    let draft =
        outbox::create_draft(&mut tx, task.id, contact.id, &to, &request.to_string()).await?;
    tx.commit().await?;
    Ok((Some(draft.id), None))
}

async fn gather(
    tx: &mut Tx,
    now: DateTime<Utc>,
    question: &str,
    about: Option<RecordRef>,
) -> Result<Context, TaskError> {
    let stages = pipeline::stages(tx).await?;
    let (open_deals, attention) = deals::needs_attention(tx, now).await?;
    let due = agenda::recontacts_until(tx, now + Duration::days(7), 25).await?;
    let lower = question.to_lowercase();
    let person = if lower.starts_with("draft") || lower.starts_with("write") {
        Some(person(tx, now, question, about).await?)
    } else {
        None
    };
    Ok(Context {
        stages,
        open_deals,
        attention,
        due,
        person,
    })
}

/// "draft a follow-up to Sarah after yesterday's call": Sarah, or the page's
/// contact. Of several Sarahs, the one the call was with.
async fn person(
    tx: &mut Tx,
    now: DateTime<Utc>,
    question: &str,
    about: Option<RecordRef>,
) -> Result<Recipient, TaskError> {
    let lower = question.to_lowercase();
    let named = lower.find(" to ").map(|at| {
        let rest = &question[at + 4..];
        let end = [" after ", " about ", " re ", " regarding ", ",", "."]
            .iter()
            .filter_map(|w| rest.to_lowercase().find(w))
            .min()
            .unwrap_or(rest.len());
        rest[..end].trim().to_string()
    });
    let target = named.filter(|n| !n.is_empty()).map(|n| {
        let (name, company) = match n.to_lowercase().find(" at ") {
            Some(i) => (n[..i].to_string(), Some(n[i + 4..].to_string())),
            None => (n, None),
        };
        Target {
            kind: TargetKind::Contact,
            name,
            at_company: company,
        }
    });
    let about = about.filter(|r| r.kind == RecordKind::Contact);
    let mut found = resolve::target(tx, target.as_ref(), about).await?;
    // "after yesterday's call": of several, the one spoken with lately.
    if let Resolved::Ask(_, candidates) = &found {
        let contacts: Vec<Uuid> = candidates
            .iter()
            .filter(|c| c.kind == RecordKind::Contact)
            .map(|c| c.id)
            .collect();
        let spoken = activities::spoken_with_since(tx, &contacts, now - Duration::days(2)).await?;
        if let [one] = spoken.as_slice() {
            found = Resolved::One(RecordRef {
                kind: RecordKind::Contact,
                id: *one,
            });
        }
    }
    Ok(match found {
        Resolved::One(r) if r.kind == RecordKind::Contact => {
            let contact: Contact = records::get(tx, r.id).await?;
            let history = activities::latest_of(tx, RecordKind::Contact, r.id, None, 5).await?;
            Ok((contact, history))
        }
        Resolved::One(_) => Err(("Who is the email for? Name a contact.".into(), vec![])),
        Resolved::Ask(q, candidates) => Err((q, candidates)),
    })
}

impl Context {
    /// Every record the answer may name.
    fn records(&self) -> Vec<RecordHit> {
        let mut all: Vec<RecordHit> = self.attention.iter().map(attention_hit).collect();
        all.extend(self.due.iter().cloned());
        if let Some(Ok((c, _))) = &self.person {
            all.push(contact_hit(c));
        }
        all
    }

    fn to_json(&self) -> Value {
        json!({
            "pipeline": self.stages.iter().map(|s| json!({
                "pipeline": s.pipeline_name, "stage": s.stage_name, "deals": s.deal_count,
                "amount": s.amount_units, "won": s.is_won, "lost": s.is_lost,
            })).collect::<Vec<_>>(),
            "open_deals": self.open_deals,
            "needs_attention": self.attention.iter().take(20).map(|a| json!({
                "id": a.deal_id, "name": a.name, "stage": a.stage_name, "reasons": a.reasons(),
            })).collect::<Vec<_>>(),
            "recontact_within_a_week": self.due.iter().map(|h| json!({
                "id": h.id, "kind": h.kind, "name": h.label, "on": h.detail,
            })).collect::<Vec<_>>(),
            "contact": match &self.person {
                Some(Ok((c, history))) => json!({
                    "id": c.id, "name": c.full_name(), "email": c.email, "title": c.job_title,
                    "relationship_note": c.relationship_note,
                    "activities": history.iter().map(|a| json!({
                        "kind": a.kind, "subject": a.subject, "at": a.happens_at,
                        "body": a.body.as_deref().map(|b| b.chars().take(500).collect::<String>()),
                    })).collect::<Vec<_>>(),
                }),
                _ => Value::Null,
            },
        })
    }
}

fn attention_hit(a: &Attention) -> RecordHit {
    hit(
        RecordKind::Deal,
        a.deal_id,
        &a.name,
        &a.reasons().join(", "),
    )
}

fn contact_hit(c: &Contact) -> RecordHit {
    hit(
        RecordKind::Contact,
        c.id,
        &c.full_name(),
        c.email.as_deref().unwrap_or(""),
    )
}

fn hit(kind: RecordKind, id: Uuid, label: &str, detail: &str) -> RecordHit {
    RecordHit {
        kind,
        id,
        label: label.into(),
        detail: detail.into(),
        score: 1.0,
    }
}

/// The built-in answers: a draft, who is due, the pipeline in numbers.
fn built_in(question: &str, c: &Context) -> (String, Vec<RecordHit>, Option<Email>) {
    let lower = question.to_lowercase();
    if let Some(person) = &c.person {
        return match person {
            Ok((contact, history)) => {
                let words = draft(contact, history);
                let answer = format!(
                    "Draft to {} <{}>:\nSubject: {}\n\n{}",
                    contact.full_name(),
                    contact.email.as_deref().unwrap_or("no address"),
                    words.subject,
                    words.text
                );
                let record = contact_hit(contact);
                (answer, vec![record], Some(words))
            }
            Err((ask, candidates)) => (ask.clone(), candidates.clone(), None),
        };
    }
    let (answer, records) = answer_from(&lower, c);
    (answer, records, None)
}

fn answer_from(lower: &str, c: &Context) -> (String, Vec<RecordHit>) {
    if [
        "recontact",
        "follow up",
        "get back",
        "reach out",
        "this week",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        if c.due.is_empty() {
            return (
                "Nobody is due a recontact in the coming week.".into(),
                vec![],
            );
        }
        let list: Vec<String> = c
            .due
            .iter()
            .map(|h| format!("{} ({})", h.label, h.detail))
            .collect();
        return (
            format!(
                "{} due a recontact by a week from today: {}.",
                c.due.len(),
                list.join(", ")
            ),
            c.due.clone(),
        );
    }
    if ["pipeline", "summar", "deals"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return summary(c);
    }
    (
        "I can summarise the pipeline, say who to recontact this week, or draft a follow-up \
         to a contact."
            .into(),
        vec![],
    )
}

fn summary(c: &Context) -> (String, Vec<RecordHit>) {
    let mut lines = vec![format!(
        "{} open deals; {} need attention.",
        c.open_deals,
        c.attention.len()
    )];
    for s in c.stages.iter().filter(|s| s.deal_count > 0) {
        lines.push(format!(
            "{} · {}: {} deals, {} total",
            s.pipeline_name,
            s.stage_name,
            s.deal_count,
            redkey_types::format::money_units(s.amount_units, "USD")
        ));
    }
    let worst: Vec<RecordHit> = c.attention.iter().take(5).map(attention_hit).collect();
    (lines.join("\n"), worst)
}

fn draft(c: &Contact, history: &[Activity]) -> Email {
    let last = history
        .iter()
        .find(|a| matches!(a.kind.as_str(), "call" | "meeting"));
    let what = last.map(|a| a.kind.as_str()).unwrap_or("conversation");
    let topic = last
        .and_then(|a| a.subject.as_deref())
        .map(|s| format!(" about {s}"))
        .unwrap_or_default();
    Email {
        subject: format!("Following up on our {what}"),
        text: format!(
            "Hi {},\n\nThank you for the {what}{topic}. As promised, here is a short recap \
             and the next step on our side; tell me what would suit you for the next \
             conversation.\n\nBest regards",
            c.first_name
        ),
    }
}
