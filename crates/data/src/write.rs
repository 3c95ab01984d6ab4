//! Inserts and updates that name only the columns given: a full-row UPDATE
//! would touch columns the transaction's role may not write.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{postgres::PgRow, FromRow, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{DbError, Result, Tx};
use redkey_types::{Priority, Source};

/// One view column and its new value. Column names are `'static` strings
/// chosen by this module's callers, never user input.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub column: &'static str,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(Option<String>),
    Int(Option<i32>),
    BigInt(Option<i64>),
    Bool(bool),
    Uuid(Option<Uuid>),
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Priority(Option<Priority>),
    Source(Source),
    Json(serde_json::Value),
}

impl Field {
    pub fn new(column: &'static str, value: Value) -> Self {
        Self { column, value }
    }
}

pub(super) fn bind(q: &mut QueryBuilder<'static, Postgres>, v: Value) {
    match v {
        Value::Text(x) => q.push_bind(x),
        Value::Int(x) => q.push_bind(x),
        Value::BigInt(x) => q.push_bind(x),
        Value::Bool(x) => q.push_bind(x),
        Value::Uuid(x) => q.push_bind(x),
        Value::Time(x) => q.push_bind(x),
        Value::Date(x) => q.push_bind(x),
        Value::Priority(x) => q.push_bind(x),
        Value::Source(x) => q.push_bind(x),
        Value::Json(x) => q.push_bind(x),
    };
}

/// `INSERT INTO view (cols) VALUES (...) RETURNING <returning>`.
pub(super) async fn insert<T>(
    tx: &mut Tx,
    view: &'static str,
    fields: Vec<Field>,
    returning: &'static str,
) -> Result<T>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let columns: Vec<&str> = fields.iter().map(|f| f.column).collect();
    let mut q = QueryBuilder::new(format!("INSERT INTO {view} ("));
    q.push(columns.join(", ")).push(") VALUES (");
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        bind(&mut q, f.value);
    }
    q.push(") RETURNING ").push(returning);
    let r = q.build_query_as::<T>().fetch_one(tx.conn()).await;
    r.map_err(|e| tx.explain_refusal(view, &columns, DbError::from(e)))
}

/// Where a new record comes from: arlo's inserts are AGENT, people's MANUAL.
pub(super) fn source_of(tx: &Tx) -> Source {
    match tx.actor() {
        super::Actor::Agent => Source::Agent,
        _ => Source::Manual,
    }
}
