//! Contacts, companies and deals share one shape: a view, its columns and
//! a field enum. One generic create, get and update serves all three; the
//! per-record modules hold only their own queries.

use sqlx::{postgres::PgRow, FromRow, QueryBuilder};
use uuid::Uuid;

use redkey_types::Source;

use super::{
    write::{insert, source_of, Value},
    DbError, Field, Result, Tx,
};

/// A record read and written through one `crm_*` view.
pub trait Record: for<'r> FromRow<'r, PgRow> + Send + Unpin {
    const VIEW: &'static str;
    /// The columns a row decodes from, in the view's names.
    const COLUMNS: &'static str;
}

/// One writable field of a record; the record follows from the field, so
/// `create` and `update` need no type annotation.
pub trait RecordField: Into<Field> {
    type Record: Record;
}

/// Inserts a record with the given fields and its `created_by_source`.
pub async fn create<F: RecordField>(tx: &mut Tx, fields: Vec<F>) -> Result<F::Record> {
    let source = source_of(tx);
    create_from(tx, fields, source).await
}

/// Inserts a record that came in through `source` (a form, a mailbox).
pub async fn create_from<F: RecordField>(
    tx: &mut Tx,
    fields: Vec<F>,
    source: Source,
) -> Result<F::Record> {
    let mut fields: Vec<Field> = fields.into_iter().map(Into::into).collect();
    fields.push(Field::new("created_by_source", Value::Source(source)));
    insert(tx, F::Record::VIEW, fields, F::Record::COLUMNS).await
}

/// One record by id; missing, archived and other clients' rows are all
/// `NotFound`.
pub async fn get<R: Record>(tx: &mut Tx, id: Uuid) -> Result<R> {
    sqlx::query_as(&format!(
        "SELECT {} FROM {} WHERE id = $1",
        R::COLUMNS,
        R::VIEW
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or(DbError::NotFound)
}

/// The record a keyset cursor names (the last row of the previous page),
/// when there is one.
pub async fn cursor<R: Record>(tx: &mut Tx, id: Option<Uuid>) -> Result<Option<R>> {
    match id {
        Some(id) => Ok(Some(get(tx, id).await?)),
        None => Ok(None),
    }
}

/// `UPDATE view SET <given cols> WHERE id = $id`, writing only the columns
/// given (a full-row update would touch columns the role may not write);
/// no row (missing, archived or another client's) is `NotFound`.
pub async fn update<F: RecordField>(tx: &mut Tx, id: Uuid, fields: Vec<F>) -> Result<F::Record> {
    let view = F::Record::VIEW;
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
        super::write::bind(&mut q, f.value);
    }
    q.push(" WHERE id = ")
        .push_bind(id)
        .push(" RETURNING ")
        .push(F::Record::COLUMNS);
    let r = q
        .build_query_as::<F::Record>()
        .fetch_optional(tx.conn())
        .await;
    match r {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(DbError::NotFound),
        Err(e) => Err(tx.explain_refusal(view, &columns, DbError::from(e))),
    }
}

/// A record's column list with each column qualified by `alias`, for
/// queries that join its view with others.
pub(crate) fn qualified(columns: &str, alias: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
