use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, ContactDetail, ContactFilter, ContactPage};

pub const PAGE_SIZE: i64 = 50;

/// A page of contacts after the contact `after` (its id is the cursor),
/// optionally searched by name, email or company, filtered and sorted.
#[server]
pub async fn contacts_page(
    filter: ContactFilter,
    after: Option<Uuid>,
) -> Result<ContactPage, AppError> {
    use crate::ssr::{db, db::contacts::ContactQuery, session::human_read};

    let (mut tx, _) = human_read().await?;
    let after = db::records::cursor::<crate::model::Contact>(&mut tx, after).await?;
    let query = ContactQuery::of(&filter, after.as_ref());
    let rows = db::contacts::rows(&mut tx, &query, PAGE_SIZE + 1).await?;
    let (rows, next) = super::tables::paged(rows, PAGE_SIZE, |c| c.id);
    let sequences = db::sequences::names(&mut tx).await?;
    Ok(ContactPage {
        rows_html: crate::pages::rows_html::contacts(&rows),
        sequences,
        next,
    })
}

/// A contact with its company, deals and one page of its timeline (newest
/// first, before `before` when given).
#[server]
pub async fn load_contact(id: Uuid, before: Option<String>) -> Result<ContactDetail, AppError> {
    use crate::ssr::{db, session::human_read};
    use db::timeline::{self, PAGE};

    let before = super::records::timeline_cursor(before)?;
    let (mut tx, _) = human_read().await?;
    let contact = db::records::get::<crate::model::Contact>(&mut tx, id).await?;
    let company = match contact.company_id {
        Some(c) => Some(db::records::get::<crate::model::Company>(&mut tx, c).await?),
        None => None,
    };
    let deals = db::deals::of_contact(&mut tx, id).await?;
    let timeline =
        timeline::of(&mut tx, crate::model::RecordKind::Contact, id, before, PAGE).await?;
    let enrollments = db::sequences::enrollments_of_contact(&mut tx, id).await?;
    let sequences = db::sequences::names(&mut tx).await?;
    let suppressed = match contact.email_address() {
        Some(e) => db::suppressions::suppression(&mut tx, &e).await?,
        None => None,
    };
    let meetings = match &contact.email {
        Some(e) => db::calendar_events::upcoming(&mut tx, e, chrono::Utc::now()).await?,
        None => vec![],
    };
    Ok(ContactDetail {
        contact,
        company,
        deals,
        timeline: crate::pages::rows_html::timeline(timeline),
        enrollments,
        sequences,
        suppressed,
        meetings,
    })
}

/// Saves the strategic fields of a contact, writing only those that changed.
#[server]
pub async fn save_contact_strategy(
    id: Uuid,
    priority: String,
    relationship_note: String,
    strategy_note: String,
    recontact_on: String,
) -> Result<(), AppError> {
    use crate::server_fns::forms;
    use crate::ssr::{db, db::contacts::ContactField, session::human_tx};

    let priority = forms::priority(&priority)?;
    let recontact_at = forms::recontact(&recontact_on)?;
    let (relationship_note, strategy_note) =
        (forms::text(&relationship_note), forms::text(&strategy_note));

    let (mut tx, _) = human_tx().await?;
    let current = db::records::get::<crate::model::Contact>(&mut tx, id).await?;
    let mut changes = vec![];
    if current.priority != priority {
        changes.push(ContactField::Priority(priority));
    }
    if current.relationship_note != relationship_note {
        changes.push(ContactField::RelationshipNote(relationship_note));
    }
    if current.strategy_note != strategy_note {
        changes.push(ContactField::StrategyNote(strategy_note));
    }
    if current.recontact_at.map(|t| t.date_naive()) != recontact_at.map(|t| t.date_naive()) {
        changes.push(ContactField::RecontactAt(recontact_at));
    }
    if !changes.is_empty() {
        db::records::update(&mut tx, id, changes).await?;
        tx.commit().await?;
    }
    Ok(())
}
