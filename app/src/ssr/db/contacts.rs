use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{write, write::Value, Field, Result, Tx};
use crate::model::{Contact, EmailAddress, Priority};

const VIEW: &str = "crm_contacts";
const COLUMNS: &str = "id, client_id, first_name, last_name, email, phone, job_title, city, \
    company_id, priority, relationship_note, strategy_note, recontact_at, last_activity_at, \
    enriched_at, email_thread_count, open_count, linkedin_url, sequence_step, \
    sequence_enrolled_at, created_by_source, created_at, updated_at";

/// One contact field to write; which ones a transaction may use is decided
/// by Postgres from its role.
#[derive(Clone, Debug, PartialEq)]
pub enum ContactField {
    FirstName(String),
    LastName(String),
    Email(Option<EmailAddress>),
    Phone(Option<String>),
    JobTitle(Option<String>),
    City(Option<String>),
    Company(Option<Uuid>),
    Priority(Option<Priority>),
    RelationshipNote(Option<String>),
    StrategyNote(Option<String>),
    RecontactAt(Option<DateTime<Utc>>),
    LastActivityAt(Option<DateTime<Utc>>),
    EnrichedAt(Option<DateTime<Utc>>),
    EmailThreadCount(i32),
    OpenCount(i32),
    LinkedinUrl(Option<String>),
    SequenceStep(Option<i32>),
    SequenceEnrolledAt(Option<DateTime<Utc>>),
}

impl From<ContactField> for Field {
    fn from(f: ContactField) -> Field {
        use ContactField::*;
        let (column, value) = match f {
            FirstName(v) => ("first_name", Value::Text(Some(v))),
            LastName(v) => ("last_name", Value::Text(Some(v))),
            Email(v) => ("email", Value::Text(v.map(String::from))),
            Phone(v) => ("phone", Value::Text(v)),
            JobTitle(v) => ("job_title", Value::Text(v)),
            City(v) => ("city", Value::Text(v)),
            Company(v) => ("company_id", Value::Uuid(v)),
            Priority(v) => ("priority", Value::Priority(v)),
            RelationshipNote(v) => ("relationship_note", Value::Text(v)),
            StrategyNote(v) => ("strategy_note", Value::Text(v)),
            RecontactAt(v) => ("recontact_at", Value::Time(v)),
            LastActivityAt(v) => ("last_activity_at", Value::Time(v)),
            EnrichedAt(v) => ("enriched_at", Value::Time(v)),
            EmailThreadCount(v) => ("email_thread_count", Value::Int(Some(v))),
            OpenCount(v) => ("open_count", Value::Int(Some(v))),
            LinkedinUrl(v) => ("linkedin_url", Value::Text(v)),
            SequenceStep(v) => ("sequence_step", Value::Int(v)),
            SequenceEnrolledAt(v) => ("sequence_enrolled_at", Value::Time(v)),
        };
        Field::new(column, value)
    }
}

pub async fn create(tx: &mut Tx, fields: Vec<ContactField>) -> Result<Contact> {
    write::create(tx, VIEW, fields, COLUMNS).await
}

pub async fn get(tx: &mut Tx, id: Uuid) -> Result<Contact> {
    write::get(tx, VIEW, COLUMNS, id).await
}

pub async fn update(tx: &mut Tx, id: Uuid, fields: Vec<ContactField>) -> Result<Contact> {
    write::update(tx, VIEW, id, fields, COLUMNS).await
}

pub async fn by_email(tx: &mut Tx, email: &EmailAddress) -> Result<Option<Contact>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {VIEW} WHERE lower(email) = lower($1)"
    ))
    .bind(email.as_str())
    .fetch_optional(tx.conn())
    .await?)
}

pub async fn of_company(tx: &mut Tx, company_id: Uuid) -> Result<Vec<Contact>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {VIEW} WHERE company_id = $1 ORDER BY last_name, first_name, id"
    ))
    .bind(company_id)
    .fetch_all(tx.conn())
    .await?)
}

/// A page of contacts ordered by (last name, first name, id), after the
/// given key (keyset pagination stays fast deep into the list), optionally
/// only those whose name, email or company contains `search`.
pub async fn page(
    tx: &mut Tx,
    search: Option<&str>,
    after: Option<(String, String, Uuid)>,
    limit: i64,
) -> Result<Vec<Contact>> {
    let (last, first, id) = match after {
        Some((l, f, i)) => (Some(l), Some(f), Some(i)),
        None => (None, None, None),
    };
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {VIEW} \
         WHERE ($1::text IS NULL OR (last_name, first_name, id) > ($1, $2, $3)) \
           AND ($5::text IS NULL OR id IN (SELECT crm_search_contacts($5))) \
         ORDER BY last_name, first_name, id LIMIT $4"
    ))
    .bind(last)
    .bind(first)
    .bind(id)
    .bind(limit)
    .bind(search)
    .fetch_all(tx.conn())
    .await?)
}
