//! Sequences in the cockpit: the list with its funnel, the editor with a
//! preview against a real contact, enrollment one by one or in bulk.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{
    AppError, Draft, InboundMail, SendDecision, SendingPause, Sequence, SequenceMetrics,
};

/// The sequences page: every sequence with its counts, and the sends a
/// person must decide about (outcome unknown, or refused).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SequencesOverview {
    pub sequences: Vec<SequenceMetrics>,
    pub decisions: Vec<SendDecision>,
    /// Inbound mail, newest first; unmatched mail is kept and shown here.
    pub inbound: Vec<InboundMail>,
    /// Sending stopped, until when, and why.
    pub paused: Option<SendingPause>,
}

#[server]
pub async fn load_sequences() -> Result<SequencesOverview, AppError> {
    use crate::model::KEY_KEPT_HOURS;
    use crate::ssr::{
        db::{outbox, sending, sequences, suppressions},
        session::human_read,
    };
    let (mut tx, _) = human_read().await?;
    let now = chrono::Utc::now();
    let decisions = outbox::needing_decision(&mut tx)
        .await?
        .into_iter()
        .map(|s| SendDecision {
            id: s.id,
            to_email: s.to_email.into(),
            step: s.step,
            status: s.status,
            attempts: s.attempts,
            last_error: s.last_error,
            provider_id: s.provider_id,
            can_send_again: s
                .first_attempt_at
                .is_none_or(|t| now - t < chrono::Duration::hours(KEY_KEPT_HOURS)),
            first_attempt_at: s.first_attempt_at,
        })
        .collect();
    Ok(SequencesOverview {
        sequences: sequences::metrics(&mut tx).await?,
        decisions,
        inbound: suppressions::inbound(&mut tx, 20).await?,
        paused: sending::paused(&mut tx, now).await?,
    })
}

/// A person's decision about a send in review or a failed one: "mark_sent"
/// (with the provider's id if known), "send_again" (same key, while the
/// provider still knows it) or "drop" (skip the step). Recorded with who.
#[server]
pub async fn resolve_send(
    id: Uuid,
    action: String,
    provider_id: Option<String>,
) -> Result<(), AppError> {
    use crate::model::SendAction;
    use crate::ssr::{db::outbox, session::human_tx};
    let action = SendAction::parse(&action)
        .ok_or_else(|| AppError::invalid("action", "mark_sent, send_again or drop"))?;
    let provider_id = provider_id
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty());
    if provider_id.as_ref().is_some_and(|p| p.len() > 200) {
        return Err(AppError::invalid("provider_id", "at most 200 characters"));
    }
    let (mut tx, _) = human_tx().await?;
    outbox::resolve(&mut tx, id, action, provider_id.as_deref()).await?;
    tx.commit().await?;
    Ok(())
}

/// Resumes the client's sending after a pause (the account was refused,
/// or a person decides the quota is fine again).
#[server]
pub async fn resume_sending() -> Result<(), AppError> {
    use crate::ssr::{db::sending, session::human_tx};
    let (mut tx, _) = human_tx().await?;
    sending::resume(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The editor's data: the sequence (none for a new one) and contacts to
/// preview against.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    pub sequence: Option<Sequence>,
    pub contacts: Vec<(Uuid, String)>,
}

#[server]
pub async fn load_sequence_editor(id: Option<Uuid>) -> Result<EditorData, AppError> {
    use crate::ssr::{db, session::human_read};
    let (mut tx, _) = human_read().await?;
    let sequence = match id {
        Some(id) => Some(db::sequences::get(&mut tx, id).await?),
        None => None,
    };
    let contacts = db::contacts::page(&mut tx, &Default::default(), 200)
        .await?
        .into_iter()
        .filter(|c| c.email.is_some())
        .map(|c| (c.id, c.full_name()))
        .collect();
    Ok(EditorData { sequence, contacts })
}

/// One step as the form sends it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepForm {
    pub delay_days: String,
    #[serde(default)]
    pub business_days: Option<String>,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub intent: String,
}

/// The editor form. Steps with an empty subject and body are dropped.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SequenceForm {
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub window_start: String,
    pub window_end: String,
    pub time_zone: String,
    #[serde(default)]
    pub weekdays: Vec<String>,
    #[serde(default)]
    pub steps: Vec<StepForm>,
    #[serde(default)]
    pub personalised: Option<String>,
}

#[cfg(feature = "ssr")]
fn parse_form(
    f: &SequenceForm,
) -> Result<(Option<Uuid>, crate::ssr::db::sequences::SequenceInput), AppError> {
    use crate::model::{unknown_tokens, Step};
    use crate::server_fns::forms;
    use chrono::NaiveTime;

    let id = forms::pick(&f.id, "id")?;
    let name = forms::text(&f.name).ok_or_else(|| AppError::invalid("name", "give it a name"))?;
    let time = |raw: &str, field: &str| {
        NaiveTime::parse_from_str(raw.trim(), "%H:%M")
            .map_err(|_| AppError::invalid(field, "a time like 09:00"))
    };
    let (start, end) = (
        time(&f.window_start, "window_start")?,
        time(&f.window_end, "window_end")?,
    );
    if start >= end {
        return Err(AppError::invalid("window_end", "must be after the start"));
    }
    let weekdays: Vec<i32> = f
        .weekdays
        .iter()
        .filter_map(|d| d.parse().ok())
        .filter(|d| (1..=7).contains(d))
        .collect();
    if weekdays.is_empty() {
        return Err(AppError::invalid("weekdays", "choose at least one day"));
    }
    let mut steps = vec![];
    for (i, s) in f.steps.iter().enumerate() {
        if s.subject.trim().is_empty() && s.body.trim().is_empty() {
            continue;
        }
        let field = |what: &str| format!("steps.{i}.{what}");
        let delay_days: i32 = s
            .delay_days
            .trim()
            .parse()
            .ok()
            .filter(|d| (0..=365).contains(d))
            .ok_or_else(|| AppError::invalid(&field("delay_days"), "0 to 365 days"))?;
        if s.subject.trim().is_empty() {
            return Err(AppError::invalid(
                &field("subject"),
                "a step needs a subject",
            ));
        }
        for text in [&s.subject, &s.body] {
            if let Some(bad) = unknown_tokens(text).first() {
                return Err(AppError::invalid(
                    &field("body"),
                    format!("unknown token {{{{{bad}}}}}"),
                ));
            }
        }
        steps.push(Step {
            delay_days,
            business_days: s.business_days.is_some(),
            subject: s.subject.trim().to_string(),
            body: s.body.clone(),
            intent: forms::text(&s.intent),
        });
    }
    if steps.is_empty() {
        return Err(AppError::invalid(
            "steps.0.subject",
            "add at least one step",
        ));
    }
    Ok((
        id,
        crate::ssr::db::sequences::SequenceInput {
            name,
            steps,
            window_start: start,
            window_end: end,
            weekdays,
            time_zone: f.time_zone.trim().to_string(),
            personalised: f.personalised.is_some(),
        },
    ))
}

/// Creates or updates a sequence; returns its id.
#[server]
pub async fn save_sequence(form: SequenceForm) -> Result<Uuid, AppError> {
    use crate::ssr::{db::sequences, session::human_tx};
    let (id, input) = parse_form(&form)?;
    let (mut tx, _) = human_tx().await?;
    let saved = match id {
        Some(id) => sequences::update(&mut tx, id, &input).await?,
        None => sequences::create(&mut tx, &input).await?,
    };
    tx.commit().await?;
    if id.is_none() {
        leptos_axum::redirect(&format!("/sequences/{}", saved.id));
    }
    Ok(saved.id)
}

#[server]
pub async fn set_sequence_status(id: Uuid, status: String) -> Result<(), AppError> {
    use crate::{
        model::SequenceStatus,
        ssr::{db::sequences, session::human_tx},
    };
    let status = SequenceStatus::parse(&status)
        .ok_or_else(|| AppError::invalid("status", "active or paused"))?;
    let (mut tx, _) = human_tx().await?;
    sequences::set_status(&mut tx, id, status).await?;
    tx.commit().await?;
    Ok(())
}

/// A step rendered for a real contact, as it would be sent: through the
/// same drafter, with the client's configured sender (the signed-in
/// person's name when the client has no email account yet).
#[server]
pub async fn preview_step(sequence: Uuid, step: i32, contact: Uuid) -> Result<Draft, AppError> {
    use crate::ssr::{
        cockpit,
        db::{
            self,
            drafter::{Drafter, Templates},
        },
        session::human_read,
    };
    let (mut tx, me) = human_read().await?;
    let slug = db::current_client(&mut tx).await?.slug;
    let sender = cockpit::config()
        .and_then(|c| c.senders.get(&slug).cloned())
        .unwrap_or(me.name);
    let seq = db::sequences::get(&mut tx, sequence).await?;
    let s = seq
        .steps
        .get(step as usize)
        .ok_or_else(|| AppError::invalid("step", "no such step"))?;
    let c = db::records::get::<crate::model::Contact>(&mut tx, contact).await?;
    let company = match c.company_id {
        Some(id) => Some(db::records::get::<crate::model::Company>(&mut tx, id).await?),
        None => None,
    };
    Ok(Templates.draft(s, &c, company.as_ref(), &sender))
}

#[server]
pub async fn enroll_contact(sequence: String, contact: Uuid) -> Result<(), AppError> {
    use crate::server_fns::forms;
    use crate::ssr::{db::sequences, session::human_tx};
    let sequence = forms::pick(&sequence, "sequence")?
        .ok_or_else(|| AppError::invalid("sequence", "choose a sequence"))?;
    let (mut tx, _) = human_tx().await?;
    sequences::enroll(&mut tx, sequence, contact)
        .await
        .map_err(|e| AppError::invalid("sequence", e.to_string()))?;
    tx.commit().await?;
    Ok(())
}

/// Enrolls every chosen contact it can; says who was refused and why.
#[server]
pub async fn enroll_many(sequence: String, ids: Option<Vec<Uuid>>) -> Result<String, AppError> {
    use crate::server_fns::forms;
    use crate::ssr::{db, session::human_tx};
    let sequence = forms::pick(&sequence, "sequence")?
        .ok_or_else(|| AppError::invalid("sequence", "choose a sequence"))?;
    let ids = ids.unwrap_or_default();
    if ids.is_empty() {
        return Err(AppError::invalid("sequence", "tick the contacts to enroll"));
    }
    let (mut tx, _) = human_tx().await?;
    let mut enrolled = 0;
    let mut refused = vec![];
    for (id, result) in db::sequences::enroll_each(&mut tx, sequence, &ids).await? {
        match result {
            Ok(_) => enrolled += 1,
            Err(e) => {
                let name = db::records::get::<crate::model::Contact>(&mut tx, id)
                    .await
                    .map(|c| c.full_name())
                    .unwrap_or_else(|_| id.to_string());
                refused.push(format!("{name}: {e}"));
            }
        }
    }
    tx.commit().await?;
    Ok(if refused.is_empty() {
        format!("Enrolled {enrolled}.")
    } else {
        format!("Enrolled {enrolled}. Refused {}", refused.join("; "))
    })
}

/// Pause, resume or unenroll one enrollment.
#[server]
pub async fn change_enrollment(id: Uuid, action: String) -> Result<(), AppError> {
    use crate::model::{EnrollmentStatus as Status, StopReason};
    use crate::ssr::{db::sequences, session::human_tx};
    let (status, reason) = match action.as_str() {
        "pause" => (Status::Paused, Some(StopReason::PausedByUser)),
        "resume" => (Status::Active, None),
        "unenroll" => (Status::Stopped, Some(StopReason::Unenrolled)),
        _ => return Err(AppError::invalid("action", "pause, resume or unenroll")),
    };
    let (mut tx, _) = human_tx().await?;
    sequences::set_enrollment_status(&mut tx, id, status, reason).await?;
    tx.commit().await?;
    Ok(())
}
