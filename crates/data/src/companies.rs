use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    records::{Record, RecordField},
    write::Value,
    Field, Result, Tx,
};
use redkey_types::{Company, Priority};

const VIEW: &str = "crm_companies";
pub(crate) const COLUMNS: &str =
    "id, client_id, name, domain, city, country, priority, strategy_note, \
    account_owner_id, ideal_customer_profile, last_activity_at, enriched_at, linkedin_url, \
    employees, company_size, industry, created_by_source, created_at, updated_at";

#[derive(Clone, Debug, PartialEq)]
pub enum CompanyField {
    Name(String),
    Domain(Option<String>),
    City(Option<String>),
    Country(Option<String>),
    Priority(Option<Priority>),
    StrategyNote(Option<String>),
    AccountOwner(Option<Uuid>),
    IdealCustomerProfile(bool),
    LastActivityAt(Option<DateTime<Utc>>),
    EnrichedAt(Option<DateTime<Utc>>),
    LinkedinUrl(Option<String>),
    Employees(Option<i32>),
    CompanySize(Option<String>),
    Industry(Option<String>),
}

impl From<CompanyField> for Field {
    fn from(f: CompanyField) -> Field {
        use CompanyField::*;
        let (column, value) = match f {
            Name(v) => ("name", Value::Text(Some(v))),
            Domain(v) => ("domain", Value::Text(v)),
            City(v) => ("city", Value::Text(v)),
            Country(v) => ("country", Value::Text(v)),
            Priority(v) => ("priority", Value::Priority(v)),
            StrategyNote(v) => ("strategy_note", Value::Text(v)),
            AccountOwner(v) => ("account_owner_id", Value::Uuid(v)),
            IdealCustomerProfile(v) => ("ideal_customer_profile", Value::Bool(v)),
            LastActivityAt(v) => ("last_activity_at", Value::Time(v)),
            EnrichedAt(v) => ("enriched_at", Value::Time(v)),
            LinkedinUrl(v) => ("linkedin_url", Value::Text(v)),
            Employees(v) => ("employees", Value::Int(v)),
            CompanySize(v) => ("company_size", Value::Text(v)),
            Industry(v) => ("industry", Value::Text(v)),
        };
        Field::new(column, value)
    }
}

impl Record for Company {
    const VIEW: &'static str = VIEW;
    const COLUMNS: &'static str = COLUMNS;
}

impl RecordField for CompanyField {
    type Record = Company;
}

/// The names of these companies (what a page shows, not every company),
/// by id; the ids may repeat.
pub async fn names(
    tx: &mut Tx,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as(&format!("SELECT id, name FROM {VIEW} WHERE id = ANY($1)"))
            .bind(&ids)
            .fetch_all(tx.conn())
            .await?;
    Ok(rows.into_iter().collect())
}
