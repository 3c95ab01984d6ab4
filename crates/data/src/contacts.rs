use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::{
    conditions::and_bind,
    records::{Record, RecordField},
    write::Value,
    Field, Result, Tx,
};
use redkey_types::{
    full_name, Contact, ContactFilter, ContactRow, EmailAddress, PersonLine, Priority, RecordSort,
};

const VIEW: &str = "crm_contacts";
pub(crate) const COLUMNS: &str =
    "id, client_id, first_name, last_name, email, phone, job_title, city, \
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

impl Record for Contact {
    const VIEW: &'static str = VIEW;
    const COLUMNS: &'static str = COLUMNS;
}

impl RecordField for ContactField {
    type Record = Contact;
}

pub async fn by_email(tx: &mut Tx, email: &EmailAddress) -> Result<Option<Contact>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {VIEW} WHERE lower(email) = lower($1)"
    ))
    .bind(email.as_str())
    .fetch_optional(tx.conn())
    .await?)
}

/// A company's first `limit` people by name, as its page lists them.
pub async fn people_of(tx: &mut Tx, company_id: Uuid, limit: i64) -> Result<Vec<PersonLine>> {
    let rows: Vec<(Uuid, String, String, Option<String>)> = sqlx::query_as(&format!(
        "SELECT id, first_name, last_name, job_title FROM {VIEW} WHERE company_id = $1 \
         ORDER BY last_name, first_name, id LIMIT {limit}"
    ))
    .bind(company_id)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, first, last, job_title)| PersonLine {
            id,
            name: full_name(&first, &last),
            job_title,
        })
        .collect())
}

/// Which contacts a table page shows and in what order.
#[derive(Clone, Debug, Default)]
pub struct ContactQuery<'a> {
    /// Name, email or company contains this.
    pub search: Option<&'a str>,
    pub priority: Option<Priority>,
    /// Only contacts whose recontact date has come.
    pub recontact_due: bool,
    pub sort: RecordSort,
    /// Keyset cursor: the last contact of the previous page.
    pub after: Option<&'a Contact>,
}

impl<'a> ContactQuery<'a> {
    /// The contacts table's filters (as its URL has them), after `after`.
    pub fn of(f: &'a ContactFilter, after: Option<&'a Contact>) -> Self {
        Self {
            search: f.q.as_deref(),
            priority: f.priority,
            recontact_due: f.due,
            sort: f.sort,
            after,
        }
    }
}

/// A page of contacts (keyset pagination, so it stays fast deep into the
/// list; every order ends in the id, which makes the key unique).
pub async fn page(tx: &mut Tx, q: &ContactQuery<'_>, limit: i64) -> Result<Vec<Contact>> {
    select(tx, q, limit, &super::records::qualified(COLUMNS, "c"), "").await
}

/// The contacts list's page: only what the table shows, each contact with
/// its company's name, in one statement.
pub async fn rows(tx: &mut Tx, q: &ContactQuery<'_>, limit: i64) -> Result<Vec<ContactRow>> {
    let listed: Vec<Listed> = select(
        tx,
        q,
        limit,
        "c.id, c.first_name, c.last_name, c.email, co.name AS company_name, c.priority, \
         c.last_activity_at",
        "LEFT JOIN crm_companies co ON co.id = c.company_id",
    )
    .await?;
    Ok(listed.into_iter().map(Listed::into_row).collect())
}

#[derive(sqlx::FromRow)]
struct Listed {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: Option<String>,
    company_name: Option<String>,
    priority: Option<Priority>,
    last_activity_at: Option<DateTime<Utc>>,
}

impl Listed {
    fn into_row(self) -> ContactRow {
        ContactRow {
            name: redkey_types::full_name(&self.first_name, &self.last_name),
            id: self.id,
            email: self.email,
            company_name: self.company_name,
            priority: self.priority,
            last_activity_on: self.last_activity_at.map(|t| t.date_naive()),
        }
    }
}

/// One page in the query's order: `columns` of the view as `c`, with
/// whatever `join` adds.
async fn select<T>(
    tx: &mut Tx,
    q: &ContactQuery<'_>,
    limit: i64,
    columns: &str,
    join: &str,
) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    // The order, and after the cursor the key comparison that follows it.
    let order = match q.sort {
        RecordSort::Name => "c.last_name, c.first_name, c.id",
        RecordSort::RecentActivity => "c.activity_order DESC, c.id DESC",
        RecordSort::Newest => "c.created_at DESC, c.id DESC",
    };
    let cursor = q.after.map(|c| match q.sort {
        RecordSort::Name => (c.last_name.clone(), c.first_name.clone(), c.id),
        RecordSort::RecentActivity => (time_key(c.last_activity_at), String::new(), c.id),
        RecordSort::Newest => (time_key(Some(c.created_at)), String::new(), c.id),
    });
    let (a, b, id) = match cursor {
        Some((a, b, id)) => (Some(a), Some(b), Some(id)),
        None => (None, None, None),
    };
    if let Some(search) = q.search.map(str::trim).filter(|s| !s.is_empty()) {
        // The function returns the page itself, in order: a common term
        // stops after `limit` matches.
        let sql = format!(
            "SELECT {columns} FROM crm_search_contacts_page($1, $2, $3, $4, $5, $6, $7, $8) \
               WITH ORDINALITY AS s(id, n) JOIN {VIEW} c ON c.id = s.id {join} ORDER BY s.n"
        );
        return Ok(sqlx::query_as(&sql)
            .bind(search)
            .bind(q.sort.as_str())
            .bind(a)
            .bind(b)
            .bind(id)
            .bind(q.priority.map(Priority::as_str))
            .bind(q.recontact_due)
            .bind(i32::try_from(limit).unwrap_or(i32::MAX))
            .fetch_all(tx.conn())
            .await?);
    }
    // Only the conditions in force (see `conditions`).
    let mut sql =
        QueryBuilder::<Postgres>::new(format!("SELECT {columns} FROM {VIEW} c {join} WHERE true"));
    if let (Some(a), Some(b), Some(id)) = (a, b, id) {
        match q.sort {
            RecordSort::Name => sql
                .push(" AND (c.last_name, c.first_name, c.id) > (")
                .push_bind(a)
                .push(", ")
                .push_bind(b),
            RecordSort::RecentActivity => sql
                .push(" AND (c.activity_order, c.id) < (")
                .push_bind(a)
                .push("::timestamptz"),
            RecordSort::Newest => sql
                .push(" AND (c.created_at, c.id) < (")
                .push_bind(a)
                .push("::timestamptz"),
        };
        sql.push(", ").push_bind(id).push(")");
    }
    and_bind(
        &mut sql,
        " AND c.priority::text = ",
        q.priority.map(Priority::as_str),
    );
    if q.recontact_due {
        sql.push(" AND c.recontact_at <= now()");
    }
    sql.push(format!(" ORDER BY {order} LIMIT {limit}"));
    Ok(sql.build_query_as().fetch_all(tx.conn()).await?)
}

/// A timestamp as Postgres reads it back exactly; none sorts last.
fn time_key(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .unwrap_or_else(|| "-infinity".into())
}

/// How many contacts' recontact date has come.
pub async fn recontact_due(tx: &mut Tx) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM crm_contacts WHERE recontact_at <= now()")
            .fetch_one(tx.conn())
            .await?,
    )
}

/// Adds to arlo's email counters and moves the last activity forward.
pub async fn bump_email_counters(
    tx: &mut Tx,
    id: Uuid,
    opens: i32,
    threads: i32,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE crm_contacts SET open_count = open_count + $2, \
                email_thread_count = email_thread_count + $3, \
                last_activity_at = greatest(coalesce(last_activity_at, $4), $4) WHERE id = $1",
    )
    .bind(id)
    .bind(opens)
    .bind(threads)
    .bind(at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Arlo's record of a sequence send on the contact.
pub async fn record_sequence_send(
    tx: &mut Tx,
    id: Uuid,
    step: i32,
    enrolled_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE crm_contacts SET sequence_step = $2, sequence_enrolled_at = $3, \
                last_activity_at = greatest(coalesce(last_activity_at, $4), $4) WHERE id = $1",
    )
    .bind(id)
    .bind(step)
    .bind(enrolled_at)
    .bind(at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The contact with `email`, created from `source` when there is none;
/// otherwise only the given (non-empty) fields are written, so an empty
/// value never overwrites what is there. True when it was created.
pub async fn upsert_by_email(
    tx: &mut Tx,
    email: &EmailAddress,
    fields: Vec<ContactField>,
    source: redkey_types::Source,
) -> Result<(Contact, bool)> {
    let fields: Vec<ContactField> = fields
        .into_iter()
        .filter(|f| match f {
            ContactField::FirstName(v) | ContactField::LastName(v) => !v.trim().is_empty(),
            ContactField::Phone(v) | ContactField::JobTitle(v) | ContactField::City(v) => {
                v.as_deref().is_some_and(|v| !v.trim().is_empty())
            }
            _ => true,
        })
        .collect();
    if let Some(found) = by_email(tx, email).await? {
        if fields.is_empty() {
            return Ok((found, false));
        }
        return Ok((super::records::update(tx, found.id, fields).await?, false));
    }
    let mut all = fields;
    all.push(ContactField::Email(Some(email.clone())));
    Ok((super::records::create_from(tx, all, source).await?, true))
}
