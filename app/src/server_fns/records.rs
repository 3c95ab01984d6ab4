//! Companies, deals and the activity feed.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{Activity, AppError, Company, CompanyDetail, DealDetail};

#[server]
pub async fn companies_list() -> Result<Vec<Company>, AppError> {
    use crate::ssr::{db, session::human_tx};
    let (mut tx, _) = human_tx().await?;
    Ok(db::companies::list(&mut tx).await?)
}

#[server]
pub async fn load_company(id: Uuid) -> Result<CompanyDetail, AppError> {
    use crate::ssr::{db, session::human_tx};
    let (mut tx, _) = human_tx().await?;
    let company = db::companies::get(&mut tx, id).await?;
    let people = db::contacts::of_company(&mut tx, id).await?;
    let deals = db::deals::of_company(&mut tx, id).await?;
    Ok(CompanyDetail {
        company,
        people,
        deals,
    })
}

#[server]
pub async fn load_deal(id: Uuid) -> Result<DealDetail, AppError> {
    use crate::ssr::{db, session::human_tx};
    let (mut tx, _) = human_tx().await?;
    let deal = db::deals::get(&mut tx, id).await?;
    let stage_name = db::pipeline::stages(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.stage_id == deal.stage_id)
        .map(|s| s.stage_name)
        .unwrap_or_default();
    let company = match deal.company_id {
        Some(c) => Some(db::companies::get(&mut tx, c).await?),
        None => None,
    };
    let contact = match deal.contact_id {
        Some(c) => Some(db::contacts::get(&mut tx, c).await?),
        None => None,
    };
    let timeline = crate::model::merge_timeline(
        db::activities::of_deal(&mut tx, id).await?,
        db::audit::changes_of(&mut tx, id).await?,
    );
    Ok(DealDetail {
        deal,
        stage_name,
        company,
        contact,
        timeline,
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
) -> Result<(), AppError> {
    use crate::model::Priority;
    use crate::ssr::{db, db::deals::DealField, session::human_tx};

    let priority = match priority.as_str() {
        "" => None,
        p => Some(
            Priority::parse(p)
                .ok_or_else(|| AppError::invalid("priority", "choose a priority from the list"))?,
        ),
    };
    let amount = parse_amount(&amount)?;
    let close_date = match close_date.trim() {
        "" => None,
        d => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| AppError::invalid("close_date", "use a date like 2027-01-31"))?,
        ),
    };
    let strategy_note = Some(strategy_note.trim().to_string()).filter(|s| !s.is_empty());
    let (mut tx, _) = human_tx().await?;
    let current = db::deals::get(&mut tx, id).await?;
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
    if !changes.is_empty() {
        db::deals::update(&mut tx, id, changes).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// "12,500" or "12500.50" -> micros; empty -> none.
pub fn parse_amount(raw: &str) -> Result<Option<i64>, AppError> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '$' | '€' | '£'))
        .collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::invalid("amount", "enter an amount like 12500 or 12,500.50");
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 6
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<6}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(frac))
        .map(Some)
        .ok_or_else(bad)
}

/// The client's newest `limit` activities, optionally of one kind.
#[server]
pub async fn activity_feed(kind: Option<String>, limit: i64) -> Result<Vec<Activity>, AppError> {
    use crate::ssr::{db, session::human_tx};
    let kind = kind.filter(|k| crate::model::ACTIVITY_KINDS.contains(&k.as_str()));
    let (mut tx, _) = human_tx().await?;
    Ok(db::activities::recent(&mut tx, kind.as_deref(), None, limit.clamp(1, 200)).await?)
}

#[cfg(test)]
mod tests {
    use super::parse_amount;

    #[test]
    fn amounts_parse_to_micros() {
        assert_eq!(parse_amount("12,500").unwrap(), Some(12_500_000_000));
        assert_eq!(parse_amount("$12500.5").unwrap(), Some(12_500_500_000));
        assert_eq!(parse_amount("").unwrap(), None);
        for bad in ["12a", ".5", "1.1234567", "-3", "99999999999999999"] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
    }
}
