//! Records and notes created by hand.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, DealFormOptions, NotesPage, RenderedNote};
#[cfg(feature = "ssr")]
use crate::server_fns::forms;

/// The notes on a contact, company or deal, rendered safely.
#[server]
pub async fn notes_for(kind: String, id: Uuid) -> Result<Vec<RenderedNote>, AppError> {
    use crate::ssr::{db, session::human_read};
    let target = note_target(&kind, id)?;
    let (mut tx, _) = human_read().await?;
    Ok(db::notes::of(&mut tx, target)
        .await?
        .into_iter()
        .map(rendered)
        .collect())
}

/// Notes shown per page of the notes list.
pub const NOTES_PAGE: i64 = 30;

/// A page of the client's notes, newest first, those containing `q` when
/// it is not empty.
#[server]
pub async fn load_notes(q: String, after: Option<Uuid>) -> Result<NotesPage, AppError> {
    use crate::model::NoteItem;
    use crate::ssr::{db, session::human_read};
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(AppError::invalid("q", "search for at most 200 characters"));
    }
    let (mut tx, _) = human_read().await?;
    let query = Some(q).filter(|q| !q.is_empty());
    let mut notes = db::notes::page(&mut tx, query, after, NOTES_PAGE + 1).await?;
    let next = (notes.len() as i64 > NOTES_PAGE).then(|| {
        notes.truncate(NOTES_PAGE as usize);
        notes.last().map(|(n, _)| n.id)
    });
    Ok(NotesPage {
        notes: notes
            .into_iter()
            .map(|(n, links)| NoteItem {
                note: rendered(n),
                links,
            })
            .collect(),
        next: next.flatten(),
    })
}

#[server]
pub async fn add_note(kind: String, id: Uuid, body: String) -> Result<(), AppError> {
    use crate::ssr::{db, session::human_tx};
    let target = note_target(&kind, id)?;
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::invalid("body", "write something first"));
    }
    if body.len() > 20_000 {
        return Err(AppError::invalid(
            "body",
            "a note holds at most 20,000 characters",
        ));
    }
    let title: String = body
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches('#')
        .trim()
        .chars()
        .take(80)
        .collect();
    let (mut tx, _) = human_tx().await?;
    db::notes::add(&mut tx, target, &title, body).await?;
    tx.commit().await?;
    Ok(())
}

/// The record a form names; an unknown kind reads as a missing record.
#[cfg(feature = "ssr")]
pub(crate) fn note_target(kind: &str, id: Uuid) -> Result<crate::ssr::db::notes::Target, AppError> {
    crate::ssr::db::notes::Target::parse(kind, id).ok_or(AppError::NotFound)
}

/// A note with its markdown rendered safely.
#[cfg(feature = "ssr")]
fn rendered(n: crate::model::Note) -> RenderedNote {
    RenderedNote {
        id: n.id,
        html: crate::ssr::markdown::render(&n.body_markdown),
        title: n.title,
        created_at: n.created_at,
    }
}

#[server]
pub async fn create_contact(
    first_name: String,
    last_name: String,
    email: String,
    job_title: String,
    company: String,
) -> Result<(), AppError> {
    use crate::model::EmailAddress;
    use crate::ssr::{db, db::contacts::ContactField, db::lookup::Kind, session::human_tx};
    let (first, last) = (first_name.trim().to_string(), last_name.trim().to_string());
    if first.is_empty() && last.is_empty() {
        return Err(AppError::invalid(
            "first_name",
            "a contact needs a first or last name",
        ));
    }
    let email = match forms::text(&email) {
        None => None,
        Some(e) => Some(EmailAddress::parse(&e).map_err(|m| AppError::invalid("email", m))?),
    };
    let (mut tx, _) = human_tx().await?;
    let company = forms::pick_record(&mut tx, Kind::Company, &company, "company").await?;
    let c = db::records::create(
        &mut tx,
        vec![
            ContactField::FirstName(first),
            ContactField::LastName(last),
            ContactField::Email(email),
            ContactField::JobTitle(forms::text(&job_title)),
            ContactField::Company(company),
        ],
    )
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict(m) => AppError::invalid("email", m),
        AppError::Invalid {
            field: None,
            message,
        } if message.contains("company") => AppError::invalid("company", message),
        other => other,
    })?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/contacts/{}", c.id));
    Ok(())
}

#[server]
pub async fn create_company(name: String, domain: String) -> Result<(), AppError> {
    use crate::ssr::{db, db::companies::CompanyField, session::human_tx};
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::invalid("name", "a company needs a name"));
    }
    let domain = forms::domain(&domain)?;
    let (mut tx, _) = human_tx().await?;
    let c = db::records::create(
        &mut tx,
        vec![CompanyField::Name(name), CompanyField::Domain(domain)],
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/companies/{}", c.id));
    Ok(())
}

#[server]
pub async fn load_deal_form() -> Result<DealFormOptions, AppError> {
    use crate::ssr::{db, session::human_read};
    let (mut tx, _) = human_read().await?;
    let stages = db::pipeline::stages(&mut tx).await?;
    let members = db::member_choices(&mut tx).await?;
    Ok(DealFormOptions { stages, members })
}

#[allow(clippy::too_many_arguments)]
#[server]
pub async fn create_deal(
    name: String,
    stage: String,
    company: String,
    contact: String,
    owner: String,
    amount: String,
    close_date: String,
) -> Result<(), AppError> {
    use crate::ssr::{db, db::deals::DealField, db::lookup::Kind, session::human_tx};
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::invalid("name", "a deal needs a name"));
    }
    let stage = forms::pick(&stage, "stage")?
        .ok_or_else(|| AppError::invalid("stage", "choose a stage"))?;
    let owner = forms::pick(&owner, "owner")?;
    let amount = forms::amount(&amount)?;
    let close_date = forms::date(&close_date, "close_date")?;
    let (mut tx, _) = human_tx().await?;
    let company = forms::pick_record(&mut tx, Kind::Company, &company, "company").await?;
    let contact = forms::pick_record(&mut tx, Kind::Contact, &contact, "contact").await?;
    let pipeline = db::pipeline::stages(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.stage_id == stage)
        .map(|s| s.pipeline_id)
        .ok_or_else(|| AppError::invalid("stage", "choose a stage from the list"))?;
    let d = db::records::create(
        &mut tx,
        vec![
            DealField::Name(name),
            DealField::Pipeline(pipeline),
            DealField::Stage(stage),
            DealField::Company(company),
            DealField::Contact(contact),
            DealField::Owner(owner),
            DealField::AmountMicros(amount),
            DealField::CloseDate(close_date),
        ],
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/deals/{}", d.id));
    Ok(())
}
