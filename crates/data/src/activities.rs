use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::{conditions::and_bind, write, write::source_of, write::Value, Field, Result, Tx};
use redkey_types::{Activity, RecordKind, Source};

const VIEW: &str = "crm_activities";
const COLUMNS: &str = "id, client_id, kind, subject, body, happens_at, contact_id, company_id, \
    deal_id, created_by_source, created_at, \
    ARRAY(SELECT jsonb_array_elements_text(CASE jsonb_typeof(properties -> 'attendees') \
          WHEN 'array' THEN properties -> 'attendees' ELSE '[]' END)) AS attendees";

/// An activity to log. With an `external_key`, logging is idempotent: the
/// same key logs once, whatever retries happen.
#[derive(Clone, Debug, Default)]
pub struct NewActivity {
    pub kind: String,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub happens_at: Option<DateTime<Utc>>,
    pub contact_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    pub properties: Option<serde_json::Value>,
    pub external_key: Option<String>,
    pub source: Option<Source>,
}

/// Logs the activity; `None` when its external key was already logged.
pub async fn log(tx: &mut Tx, a: NewActivity) -> Result<Option<Activity>> {
    if let Some(key) = &a.external_key {
        let seen: Option<Uuid> =
            sqlx::query_scalar("SELECT id FROM crm_activities WHERE external_key = $1")
                .bind(key)
                .fetch_optional(tx.conn())
                .await?;
        if seen.is_some() {
            return Ok(None);
        }
    }
    let source = a.source.unwrap_or_else(|| source_of(tx));
    let mut fields = vec![
        Field::new("kind", Value::Text(Some(a.kind))),
        Field::new("subject", Value::Text(a.subject)),
        Field::new("body", Value::Text(a.body)),
        Field::new("contact_id", Value::Uuid(a.contact_id)),
        Field::new("company_id", Value::Uuid(a.company_id)),
        Field::new("deal_id", Value::Uuid(a.deal_id)),
        Field::new("external_key", Value::Text(a.external_key)),
        Field::new("created_by_source", Value::Source(source)),
    ];
    if let Some(at) = a.happens_at {
        fields.push(Field::new("happens_at", Value::Time(Some(at))));
    }
    if let Some(p) = a.properties {
        fields.push(Field::new("properties", Value::Json(p)));
    }
    write::insert(tx, VIEW, fields, COLUMNS).await.map(Some)
}

/// Newest first, optionally one kind, before a cursor `(happens_at, id)`.
pub async fn recent(
    tx: &mut Tx,
    kind: Option<&str>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<Activity>> {
    // Only the conditions in force (see `conditions`).
    let mut sql = QueryBuilder::new(format!("SELECT {COLUMNS} FROM {VIEW} WHERE true"));
    and_bind(&mut sql, " AND kind = ", kind);
    if let Some((at, id)) = before {
        sql.push(" AND (happens_at, id) < (")
            .push_bind(at)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    sql.push(format!(" ORDER BY happens_at DESC, id DESC LIMIT {limit}"));
    Ok(sql.build_query_as().fetch_all(tx.conn()).await?)
}

/// Activities of one kind from `from` to before `to`, soonest first.
pub async fn between(
    tx: &mut Tx,
    kind: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Activity>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM {VIEW} WHERE kind = $1 AND happens_at >= $2 AND happens_at < $3 \
         ORDER BY happens_at, id LIMIT $4"
    ))
    .bind(kind)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// The newest `limit` activities about one contact, company or deal,
/// optionally of one kind only.
pub async fn latest_of(
    tx: &mut Tx,
    kind: RecordKind,
    id: Uuid,
    only: Option<&str>,
    limit: i64,
) -> Result<Vec<Activity>> {
    let column = match kind {
        RecordKind::Contact => "contact_id",
        RecordKind::Company => "company_id",
        RecordKind::Deal => "deal_id",
        RecordKind::Stage => return Ok(vec![]),
    };
    let mut sql = QueryBuilder::new(format!("SELECT {COLUMNS} FROM {VIEW} WHERE {column} = "));
    sql.push_bind(id);
    and_bind(&mut sql, " AND kind = ", only);
    sql.push(" ORDER BY happens_at DESC, id DESC LIMIT ")
        .push_bind(limit);
    Ok(sql.build_query_as().fetch_all(tx.conn()).await?)
}

/// Which of `contacts` had a call or a meeting at or after `since`, in one
/// query (the contacts' index, newest first, bounded by `since`).
pub async fn spoken_with_since(
    tx: &mut Tx,
    contacts: &[Uuid],
    since: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT DISTINCT contact_id FROM {VIEW} WHERE contact_id = ANY ($1) \
         AND kind IN ('call', 'meeting') AND happens_at >= $2"
    ))
    .bind(contacts)
    .bind(since)
    .fetch_all(tx.conn())
    .await?)
}
