use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    records::{Record, RecordField},
    write::Value,
    Field, Result, Tx,
};
use redkey_types::{Attention, Deal, Priority};

const VIEW: &str = "crm_deals";
pub(crate) const COLUMNS: &str =
    "id, client_id, name, pipeline_id, stage_id, position, stage_changed_at, \
    amount_micros, currency_code, close_date, owner_id, priority, strategy_note, recontact_at, \
    contact_id, company_id, last_activity_at, created_by_source, created_at, updated_at";

/// Deal fields. The stage is set at creation; afterwards it changes only
/// through [`move_to`] (`crm_move_deal`).
#[derive(Clone, Debug, PartialEq)]
pub enum DealField {
    Name(String),
    Contact(Option<Uuid>),
    Company(Option<Uuid>),
    Pipeline(Uuid),
    Stage(Uuid),
    AmountMicros(Option<i64>),
    Currency(String),
    CloseDate(Option<NaiveDate>),
    Owner(Option<Uuid>),
    Priority(Option<Priority>),
    StrategyNote(Option<String>),
    RecontactAt(Option<DateTime<Utc>>),
    LastActivityAt(Option<DateTime<Utc>>),
}

impl From<DealField> for Field {
    fn from(f: DealField) -> Field {
        use DealField::*;
        let (column, value) = match f {
            Name(v) => ("name", Value::Text(Some(v))),
            Contact(v) => ("contact_id", Value::Uuid(v)),
            Company(v) => ("company_id", Value::Uuid(v)),
            Pipeline(v) => ("pipeline_id", Value::Uuid(Some(v))),
            Stage(v) => ("stage_id", Value::Uuid(Some(v))),
            AmountMicros(v) => ("amount_micros", Value::BigInt(v)),
            Currency(v) => ("currency_code", Value::Text(Some(v))),
            CloseDate(v) => ("close_date", Value::Date(v)),
            Owner(v) => ("owner_id", Value::Uuid(v)),
            Priority(v) => ("priority", Value::Priority(v)),
            StrategyNote(v) => ("strategy_note", Value::Text(v)),
            RecontactAt(v) => ("recontact_at", Value::Time(v)),
            LastActivityAt(v) => ("last_activity_at", Value::Time(v)),
        };
        Field::new(column, value)
    }
}

impl Record for Deal {
    const VIEW: &'static str = VIEW;
    const COLUMNS: &'static str = COLUMNS;
}

impl RecordField for DealField {
    type Record = Deal;
}

/// The deals of one pipeline, in board order.
pub async fn of_pipeline(tx: &mut Tx, pipeline_id: Uuid) -> Result<Vec<Deal>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {VIEW} WHERE pipeline_id = $1 ORDER BY stage_id, position, id"
    ))
    .bind(pipeline_id)
    .fetch_all(tx.conn())
    .await?)
}

pub async fn of_contact(tx: &mut Tx, contact_id: Uuid) -> Result<Vec<Deal>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {VIEW} WHERE contact_id = $1 ORDER BY created_at DESC"
    ))
    .bind(contact_id)
    .fetch_all(tx.conn())
    .await?)
}

pub async fn of_company(tx: &mut Tx, company_id: Uuid) -> Result<Vec<Deal>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {VIEW} WHERE company_id = $1 ORDER BY created_at DESC"
    ))
    .bind(company_id)
    .fetch_all(tx.conn())
    .await?)
}

/// A company's newest `limit` deals, as (id, name): what its page lists.
pub async fn names_of_company(
    tx: &mut Tx,
    company_id: Uuid,
    limit: i64,
) -> Result<Vec<(Uuid, String)>> {
    Ok(sqlx::query_as(&format!(
        "SELECT id, name FROM {VIEW} WHERE company_id = $1 ORDER BY created_at DESC LIMIT {limit}"
    ))
    .bind(company_id)
    .fetch_all(tx.conn())
    .await?)
}

/// Moves a deal to `position` (0-based) in `stage`, renumbering both
/// columns; the only way a deal's stage changes.
pub async fn move_to(tx: &mut Tx, deal: Uuid, stage: Uuid, position: i32) -> Result<()> {
    sqlx::query("SELECT crm_move_deal($1, $2, $3)")
        .bind(deal)
        .bind(stage)
        .bind(position)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The company's open deal, when it has exactly one.
pub async fn only_open_of_company(tx: &mut Tx, company: Uuid) -> Result<Option<Uuid>> {
    let all: Vec<Uuid> = of_company(tx, company)
        .await?
        .iter()
        .map(|d| d.id)
        .collect();
    let closed = closed_among(tx, &all).await?;
    let open: Vec<Uuid> = all.into_iter().filter(|d| !closed.contains(d)).collect();
    Ok(match open.as_slice() {
        [one] => Some(*one),
        _ => None,
    })
}

/// Which of `ids` sit in a won or lost stage.
pub async fn closed_among(tx: &mut Tx, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT d.id FROM crm_deals d JOIN crm_pipeline s ON s.stage_id = d.stage_id \
         WHERE d.id = ANY($1) AND (s.is_won OR s.is_lost)",
    )
    .bind(ids)
    .fetch_all(tx.conn())
    .await?)
}

/// Open deals, and those that need attention at `now` (stalest first):
/// quiet for their stage's threshold, past their close date in the
/// client's time zone, or without a recontact date.
pub async fn needs_attention(tx: &mut Tx, now: DateTime<Utc>) -> Result<(i64, Vec<Attention>)> {
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM crm_deals d JOIN crm_pipeline p ON p.stage_id = d.stage_id \
         WHERE NOT p.is_won AND NOT p.is_lost",
    )
    .fetch_one(tx.conn())
    .await?;
    let list = sqlx::query_as(
        "SELECT deal_id, name, stage_name, idle_days, stale, overdue, no_recontact \
         FROM crm_needs_attention($1)",
    )
    .bind(now)
    .fetch_all(tx.conn())
    .await?;
    Ok((open, list))
}

/// The first `limit` open deals of a pipeline that need attention,
/// stalest first, by the rule of [`needs_attention`] (read from an index,
/// so the board does not judge every open deal on each request).
pub async fn needs_attention_first(
    tx: &mut Tx,
    now: DateTime<Utc>,
    pipeline: Uuid,
    limit: i32,
) -> Result<Vec<Attention>> {
    Ok(sqlx::query_as(
        "SELECT deal_id, name, stage_name, idle_days, stale, overdue, no_recontact \
         FROM crm_needs_attention_first($1, $2, $3)",
    )
    .bind(now)
    .bind(pipeline)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}
