//! Saving what a person may edit on a record page — a contact's identity,
//! a company's identity and strategy, a deal's name and links — never over
//! a newer change: each form sends the snapshot it showed (`shown`, JSON)
//! and `redkey_types::edits::merge` decides what is written.

// A form's fields are its server function's arguments; the browser's stub
// that `#[server]` generates takes them all and drops the item's own allow.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::AppError;

#[cfg(feature = "ssr")]
mod merging {
    use crate::model::{edits, AppError};

    /// The snapshot the form showed; a mangled one is refused.
    pub fn shown(raw: &str) -> Result<edits::Snapshot, AppError> {
        serde_json::from_str(raw).map_err(|_| AppError::invalid("shown", "reload the page"))
    }

    /// The fields to write, or the refusal at the first one someone else
    /// changed meanwhile.
    pub fn fields(
        shown: &edits::Snapshot,
        submitted: &edits::Snapshot,
        current: &edits::Snapshot,
    ) -> Result<Vec<String>, AppError> {
        edits::merge(shown, submitted, current).map_err(|field| {
            AppError::invalid(
                &field,
                "someone changed this since you opened the page: reload to see their change",
            )
        })
    }

    /// A typed link (a picker's label) as an id: the label the form showed
    /// means the link it showed; anything else is looked up.
    pub async fn link(
        tx: &mut crate::ssr::db::Tx,
        kind: crate::ssr::db::lookup::Kind,
        typed: &str,
        shown_label: &str,
        shown: &edits::Snapshot,
        field: &str,
    ) -> Result<String, AppError> {
        if typed.trim() == shown_label.trim() {
            return Ok(shown.get(field).cloned().unwrap_or_default());
        }
        let id = crate::server_fns::forms::pick_record(tx, kind, typed, field).await?;
        Ok(id.map(|i| i.to_string()).unwrap_or_default())
    }

    pub fn uuid(v: &str) -> Option<uuid::Uuid> {
        v.parse().ok()
    }
}

#[server]
pub async fn save_contact_identity(
    id: Uuid,
    shown: String,
    company_label: String,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    job_title: String,
    city: String,
    company: String,
) -> Result<(), AppError> {
    use crate::model::{edits, Contact, EmailAddress};
    use crate::ssr::{db, db::contacts::ContactField, db::lookup::Kind, session::human_tx};
    let shown = merging::shown(&shown)?;
    let (first, last) = (first_name.trim(), last_name.trim());
    if first.is_empty() && last.is_empty() {
        return Err(AppError::invalid(
            "first_name",
            "a contact needs a first or last name",
        ));
    }
    let email = email.trim().to_string();
    if !email.is_empty() {
        EmailAddress::parse(&email).map_err(|m| AppError::invalid("email", m))?;
    }
    let (mut tx, _) = human_tx().await?;
    let company = merging::link(
        &mut tx,
        Kind::Company,
        &company,
        &company_label,
        &shown,
        "company",
    )
    .await?;
    let submitted = edits::Snapshot::from([
        ("first_name".into(), first.to_string()),
        ("last_name".into(), last.to_string()),
        ("email".into(), email),
        ("phone".into(), phone.trim().to_string()),
        ("job_title".into(), job_title.trim().to_string()),
        ("city".into(), city.trim().to_string()),
        ("company".into(), company),
    ]);
    let current = db::records::get::<Contact>(&mut tx, id).await?;
    let write = merging::fields(&shown, &submitted, &edits::contact_snapshot(&current))?;
    let text = |f: &str| Some(submitted[f].clone()).filter(|v| !v.is_empty());
    let changes: Vec<ContactField> = write
        .iter()
        .map(|f| match f.as_str() {
            "first_name" => ContactField::FirstName(submitted[f].clone()),
            "last_name" => ContactField::LastName(submitted[f].clone()),
            "email" => ContactField::Email(text(f).and_then(|e| EmailAddress::parse(&e).ok())),
            "phone" => ContactField::Phone(text(f)),
            "job_title" => ContactField::JobTitle(text(f)),
            "city" => ContactField::City(text(f)),
            _ => ContactField::Company(merging::uuid(&submitted[f])),
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    db::records::update(&mut tx, id, changes)
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(m) => AppError::invalid("email", m),
            other => other,
        })?;
    tx.commit().await?;
    Ok(())
}

#[server]
pub async fn save_company(
    id: Uuid,
    shown: String,
    name: String,
    domain: String,
    priority: String,
    strategy_note: String,
    account_owner: String,
) -> Result<(), AppError> {
    use crate::model::{edits, Company};
    use crate::server_fns::forms;
    use crate::ssr::{db, db::companies::CompanyField, session::human_tx};
    let shown = merging::shown(&shown)?;
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::invalid("name", "a company needs a name"));
    }
    let domain = forms::domain(&domain)?.unwrap_or_default();
    let priority = forms::priority(&priority)?;
    let owner = forms::pick(&account_owner, "account_owner")?;
    let submitted = edits::Snapshot::from([
        ("name".into(), name),
        ("domain".into(), domain),
        (
            "priority".into(),
            priority.map(|p| p.as_str().to_string()).unwrap_or_default(),
        ),
        ("strategy_note".into(), strategy_note.trim().to_string()),
        (
            "account_owner".into(),
            owner.map(|o| o.to_string()).unwrap_or_default(),
        ),
    ]);
    let (mut tx, _) = human_tx().await?;
    let current = db::records::get::<Company>(&mut tx, id).await?;
    let write = merging::fields(&shown, &submitted, &edits::company_snapshot(&current))?;
    let text = |f: &str| Some(submitted[f].clone()).filter(|v| !v.is_empty());
    let changes: Vec<CompanyField> = write
        .iter()
        .map(|f| match f.as_str() {
            "name" => CompanyField::Name(submitted[f].clone()),
            "domain" => CompanyField::Domain(text(f)),
            "priority" => CompanyField::Priority(priority),
            "strategy_note" => CompanyField::StrategyNote(text(f)),
            _ => CompanyField::AccountOwner(owner),
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    db::records::update(&mut tx, id, changes)
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Invalid {
                field: None,
                message,
            } if message.starts_with("owner") => {
                AppError::invalid("account_owner", "choose someone from the list")
            }
            other => other,
        })?;
    tx.commit().await?;
    Ok(())
}

#[server]
pub async fn save_deal_identity(
    id: Uuid,
    shown: String,
    contact_label: String,
    company_label: String,
    name: String,
    contact: String,
    company: String,
) -> Result<(), AppError> {
    use crate::model::{edits, Deal};
    use crate::ssr::{db, db::deals::DealField, db::lookup::Kind, session::human_tx};
    let shown = merging::shown(&shown)?;
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::invalid("name", "a deal needs a name"));
    }
    let (mut tx, _) = human_tx().await?;
    let contact = merging::link(
        &mut tx,
        Kind::Contact,
        &contact,
        &contact_label,
        &shown,
        "contact",
    )
    .await?;
    let company = merging::link(
        &mut tx,
        Kind::Company,
        &company,
        &company_label,
        &shown,
        "company",
    )
    .await?;
    let submitted = edits::Snapshot::from([
        ("name".into(), name),
        ("contact".into(), contact),
        ("company".into(), company),
    ]);
    let current = db::records::get::<Deal>(&mut tx, id).await?;
    let write = merging::fields(&shown, &submitted, &edits::deal_snapshot(&current))?;
    let changes: Vec<DealField> = write
        .iter()
        .map(|f| match f.as_str() {
            "name" => DealField::Name(submitted[f].clone()),
            "contact" => DealField::Contact(merging::uuid(&submitted[f])),
            _ => DealField::Company(merging::uuid(&submitted[f])),
        })
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    db::records::update(&mut tx, id, changes).await?;
    tx.commit().await?;
    Ok(())
}
