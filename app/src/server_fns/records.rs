//! Companies, deals and the activity feed.

use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::model::RecordKind;

use crate::model::{AppError, CompanyDetail, DealDetail, TimelineShown};

/// A timeline's `?before=`, read once: where its page starts.
#[cfg(feature = "ssr")]
pub fn timeline_cursor(
    before: Option<String>,
) -> Result<Option<crate::model::TimelineCursor>, AppError> {
    before
        .filter(|b| !b.is_empty())
        .map(|b| {
            b.parse()
                .map_err(|_| AppError::invalid("before", "not a place in a timeline"))
        })
        .transpose()
}

/// People and deals a company's page lists; the rest are a search away.
#[cfg(feature = "ssr")]
const COMPANY_LIST: i64 = 50;

#[server]
pub async fn load_company(id: Uuid, before: Option<String>) -> Result<CompanyDetail, AppError> {
    use crate::ssr::{db, session::human_read};
    use db::timeline::{self, PAGE};
    let before = timeline_cursor(before)?;
    let (mut tx, _) = human_read().await?;
    let company = db::records::get::<crate::model::Company>(&mut tx, id).await?;
    // One more than listed tells whether there are more.
    let mut people = db::contacts::people_of(&mut tx, id, COMPANY_LIST + 1).await?;
    let mut deals = db::deals::names_of_company(&mut tx, id, COMPANY_LIST + 1).await?;
    let timeline = timeline::of(&mut tx, RecordKind::Company, id, before, PAGE).await?;
    let members = db::member_choices(&mut tx).await?;
    let shown = COMPANY_LIST as usize;
    let (more_people, more_deals) = (people.len() > shown, deals.len() > shown);
    people.truncate(shown);
    deals.truncate(shown);
    Ok(CompanyDetail {
        company,
        people,
        more_people,
        deals,
        more_deals,
        timeline: crate::pages::rows_html::timeline(timeline),
        members,
    })
}

#[server]
pub async fn load_deal(id: Uuid, before: Option<String>) -> Result<DealDetail, AppError> {
    use crate::ssr::{db, session::human_read};
    use db::timeline::{self, PAGE};
    let before = timeline_cursor(before)?;
    let (mut tx, _) = human_read().await?;
    let deal = db::records::get::<crate::model::Deal>(&mut tx, id).await?;
    let stage_name = db::pipeline::stages(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.stage_id == deal.stage_id)
        .map(|s| s.stage_name)
        .unwrap_or_default();
    let company = match deal.company_id {
        Some(c) => Some(db::records::get::<crate::model::Company>(&mut tx, c).await?),
        None => None,
    };
    let contact = match deal.contact_id {
        Some(c) => Some(db::records::get::<crate::model::Contact>(&mut tx, c).await?),
        None => None,
    };
    let timeline = timeline::of(&mut tx, RecordKind::Deal, id, before, PAGE).await?;
    let members = db::member_choices(&mut tx).await?;
    Ok(DealDetail {
        deal,
        stage_name,
        company,
        contact,
        timeline: crate::pages::rows_html::timeline(timeline),
        members,
    })
}

/// Saves a deal's strategic fields, writing only those that changed.
#[server]
pub async fn save_deal_strategy(
    id: Uuid,
    priority: String,
    strategy_note: String,
    amount: String,
    close_date: String,
    owner: String,
    recontact_on: String,
) -> Result<(), AppError> {
    use crate::server_fns::forms;
    use crate::ssr::{db, db::deals::DealField, session::human_tx};

    let priority = forms::priority(&priority)?;
    let amount = forms::amount(&amount)?;
    let close_date = forms::date(&close_date, "close_date")?;
    let owner = forms::pick(&owner, "owner")?;
    let recontact_at = forms::recontact(&recontact_on)?;
    let strategy_note = forms::text(&strategy_note);
    let (mut tx, _) = human_tx().await?;
    let current = db::records::get::<crate::model::Deal>(&mut tx, id).await?;
    let mut changes = vec![];
    if current.priority != priority {
        changes.push(DealField::Priority(priority));
    }
    if current.strategy_note != strategy_note {
        changes.push(DealField::StrategyNote(strategy_note));
    }
    if current.amount_micros != amount {
        changes.push(DealField::AmountMicros(amount));
    }
    if current.close_date != close_date {
        changes.push(DealField::CloseDate(close_date));
    }
    if current.owner_id != owner {
        changes.push(DealField::Owner(owner));
    }
    if current.recontact_at.map(|t| t.date_naive()) != recontact_at.map(|t| t.date_naive()) {
        changes.push(DealField::RecontactAt(recontact_at));
    }
    if !changes.is_empty() {
        db::records::update(&mut tx, id, changes).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// One page of the client's activities, newest first, optionally of one
/// kind.
#[server]
pub async fn activity_feed(
    kind: Option<String>,
    before: Option<String>,
) -> Result<TimelineShown, AppError> {
    use crate::ssr::{db, session::human_read};
    use db::timeline::{self, PAGE};
    let kind = kind.filter(|k| crate::model::ACTIVITY_KINDS.contains(&k.as_str()));
    let before = timeline_cursor(before)?;
    let (mut tx, _) = human_read().await?;
    let page = timeline::feed(&mut tx, kind.as_deref(), before, PAGE).await?;
    Ok(crate::pages::rows_html::timeline(page))
}

/// The first records of a kind (`company`, `contact`, `member`) whose
/// label contains `text`, for a picker's suggestions.
#[server]
pub async fn lookup_choices(kind: String, text: String) -> Result<Vec<(Uuid, String)>, AppError> {
    use crate::ssr::{db::lookup, session::human_read};
    let kind =
        lookup::Kind::parse(&kind).ok_or_else(|| AppError::invalid("kind", "unknown kind"))?;
    let (mut tx, _) = human_read().await?;
    Ok(lookup::choices(&mut tx, kind, &text, 10).await?)
}
