//! Inserts and updates that name only the columns given: a full-row UPDATE
//! would touch columns the transaction's role may not write.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{postgres::PgRow, FromRow, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{DbError, Result, Tx};
use crate::model::{Priority, Source};

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

fn bind(q: &mut QueryBuilder<'static, Postgres>, v: Value) {
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

/// `UPDATE view SET <given cols> WHERE id = $id RETURNING <returning>`;
/// no row (missing, archived or another client's) is `NotFound`.
pub(super) async fn update<T, F: Into<Field>>(
    tx: &mut Tx,
    view: &'static str,
    id: Uuid,
    fields: Vec<F>,
    returning: &'static str,
) -> Result<T>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let fields: Vec<Field> = fields.into_iter().map(Into::into).collect();
    if fields.is_empty() {
        return Err(DbError::Invalid("nothing to change".into()));
    }
    let columns: Vec<&str> = fields.iter().map(|f| f.column).collect();
    let mut q = QueryBuilder::new(format!("UPDATE {view} SET "));
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push(f.column).push(" = ");
        bind(&mut q, f.value);
    }
    q.push(" WHERE id = ")
        .push_bind(id)
        .push(" RETURNING ")
        .push(returning);
    let r = q.build_query_as::<T>().fetch_optional(tx.conn()).await;
    match r {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(DbError::NotFound),
        Err(e) => Err(tx.explain_refusal(view, &columns, DbError::from(e))),
    }
}

/// Where a new record comes from: arlo's inserts are AGENT, people's MANUAL.
pub(super) fn source_of(tx: &Tx) -> Source {
    match tx.actor() {
        super::Actor::Agent => Source::Agent,
        _ => Source::Manual,
    }
}

/// Inserts a record with the given fields and its `created_by_source`.
pub(super) async fn create<T, F: Into<Field>>(
    tx: &mut Tx,
    view: &'static str,
    fields: Vec<F>,
    returning: &'static str,
) -> Result<T>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let mut fields: Vec<Field> = fields.into_iter().map(Into::into).collect();
    fields.push(Field::new(
        "created_by_source",
        Value::Source(source_of(tx)),
    ));
    insert(tx, view, fields, returning).await
}

/// One row of `view` by id; missing, archived and other clients' rows are
/// all `NotFound`.
pub(super) async fn get<T>(
    tx: &mut Tx,
    view: &'static str,
    columns: &'static str,
    id: Uuid,
) -> Result<T>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    sqlx::query_as(&format!("SELECT {columns} FROM {view} WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(DbError::NotFound)
}
