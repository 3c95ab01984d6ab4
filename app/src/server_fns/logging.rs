//! Activities logged by hand: a call, a meeting or a note, with its time,
//! who took part and the deal it concerns.

// A form's fields are its server function's arguments; the browser's stub
// that `#[server]` generates takes them all and drops the item's own allow.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::AppError;

/// What a person may log by hand.
pub const HAND_KINDS: [(&str, &str); 3] =
    [("call", "Call"), ("meeting", "Meeting"), ("note", "Note")];

/// Logs an activity on the contact, company or deal `on_kind`/`on_id`.
/// `when` is a `datetime-local` value in the client's time zone (empty:
/// now); `contact` a typed contact (ignored on a contact's page); `deal` a
/// deal id from the page's list; `attendees` names separated by commas.
#[server]
pub async fn log_activity(
    on_kind: String,
    on_id: Uuid,
    kind: String,
    when: String,
    subject: String,
    summary: String,
    contact: String,
    deal: String,
    attendees: String,
) -> Result<(), AppError> {
    use crate::model::{Contact, Deal, Source};
    use crate::server_fns::forms;
    use crate::ssr::{
        db, db::activities::NewActivity, db::lookup::Kind, db::notes::Target, session::human_tx,
    };
    if !HAND_KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(AppError::invalid("kind", "choose call, meeting or note"));
    }
    let subject = subject.trim().to_string();
    if subject.is_empty() || subject.chars().count() > 300 {
        return Err(AppError::invalid(
            "subject",
            "say what it was about (at most 300 characters)",
        ));
    }
    if summary.len() > 20_000 || attendees.len() > 2_000 {
        return Err(AppError::invalid(
            "summary",
            "a summary holds at most 20,000 characters",
        ));
    }
    let when = match when.trim() {
        "" => None,
        w => Some(
            chrono::NaiveDateTime::parse_from_str(w, "%Y-%m-%dT%H:%M")
                .map_err(|_| AppError::invalid("when", "use a time like 2027-01-31 14:30"))?,
        ),
    };
    let attendees: Vec<String> = attendees
        .split(',')
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    let deal = forms::pick(&deal, "deal")?;
    let (mut tx, _) = human_tx().await?;
    let happens_at = match when {
        None => chrono::Utc::now(),
        Some(local) => db::calendar::local(&mut tx, local).await?,
    };
    if happens_at > chrono::Utc::now() + chrono::Duration::minutes(10) {
        return Err(AppError::invalid(
            "when",
            "an activity logged by hand has already happened",
        ));
    }
    let on = super::editing::note_target(&on_kind, on_id)?;
    let (mut contact_id, mut company_id, deal_id) = match on {
        Target::Contact(id) => (Some(id), None, deal),
        Target::Company(id) => (None, Some(id), deal),
        Target::Deal(id) => (None, None, Some(id)),
    };
    if matches!(on, Target::Company(_)) {
        contact_id = forms::pick_record(&mut tx, Kind::Contact, &contact, "contact").await?;
    }
    // The record the page is about must be this client's; the deal and
    // contact fill in what they imply.
    if let Some(id) = deal_id {
        let d = db::records::get::<Deal>(&mut tx, id)
            .await
            .map_err(|_| AppError::invalid("deal", "choose a deal from the list"))?;
        contact_id = contact_id.or(d.contact_id);
        company_id = company_id.or(d.company_id);
    }
    if let Some(id) = contact_id {
        let c = db::records::get::<Contact>(&mut tx, id).await?;
        company_id = company_id.or(c.company_id);
    }
    if let Some(id) = company_id.filter(|_| matches!(on, Target::Company(_))) {
        db::records::get::<crate::model::Company>(&mut tx, id).await?;
    }
    db::activities::log(
        &mut tx,
        NewActivity {
            kind,
            subject: Some(subject),
            body: forms::text(&summary),
            happens_at: Some(happens_at),
            contact_id,
            company_id,
            deal_id,
            properties: (!attendees.is_empty())
                .then(|| serde_json::json!({ "attendees": attendees })),
            source: Some(Source::Manual),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
