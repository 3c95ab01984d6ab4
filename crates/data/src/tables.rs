//! The companies and deals tables: filtered, sorted, and paged by keyset
//! (the last row of a page is the cursor; every order ends in the id, so
//! the key is unique and a page deep in the table costs what the first
//! does). The contacts table is [`super::contacts::page`].

use chrono::{DateTime, Utc};

use super::{lookup::like, records::qualified, Result, Tx};
use redkey_types::{Company, CompanyFilter, Deal, DealFilter, DealSort, Priority, RecordSort};

/// A timestamp as Postgres reads it back exactly.
fn time_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Up to `limit` companies matching `f`, after the company `after`.
pub async fn companies(
    tx: &mut Tx,
    f: &CompanyFilter,
    after: Option<&Company>,
    limit: i64,
) -> Result<Vec<Company>> {
    // "Recent activity" puts companies never active last.
    let (cond, order) = match f.sort {
        RecordSort::Name => ("(name, id) > ($1, $2)", "name, id"),
        RecordSort::RecentActivity => (
            "(coalesce(last_activity_at, '-infinity'), id) < ($1::timestamptz, $2)",
            "coalesce(last_activity_at, '-infinity') DESC, id DESC",
        ),
        RecordSort::Newest => (
            "(created_at, id) < ($1::timestamptz, $2)",
            "created_at DESC, id DESC",
        ),
    };
    let key = after.map(|c| match f.sort {
        RecordSort::Name => c.name.clone(),
        RecordSort::RecentActivity => c
            .last_activity_at
            .map(time_key)
            .unwrap_or_else(|| "-infinity".into()),
        RecordSort::Newest => time_key(c.created_at),
    });
    let cols = qualified(super::companies::COLUMNS, "c");
    let sql = format!(
        "SELECT {cols} FROM crm_companies c \
         WHERE ($2::uuid IS NULL OR {cond}) \
           AND ($3::text IS NULL OR c.name ILIKE $3 OR c.domain ILIKE $3) \
           AND ($4::text IS NULL OR c.priority::text = $4) \
           AND ($5::uuid IS NULL OR c.account_owner_id = $5) \
         ORDER BY {order} LIMIT $6"
    );
    Ok(sqlx::query_as(&sql)
        .bind(key)
        .bind(after.map(|c| c.id))
        .bind(f.q.as_deref().map(like))
        .bind(f.priority.map(Priority::as_str))
        .bind(f.owner)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?)
}

/// Up to `limit` deals matching `f`, after the deal `after`.
pub async fn deals(
    tx: &mut Tx,
    f: &DealFilter,
    after: Option<&Deal>,
    limit: i64,
) -> Result<Vec<Deal>> {
    // Deals without an amount sort after every amount, and those without a
    // close date after every date: the coalesced value is the key.
    let (cond, order) = match f.sort {
        DealSort::Name => ("(d.name, d.id) > ($1, $2)", "d.name, d.id"),
        DealSort::Amount => (
            "(coalesce(d.amount_micros, -1), d.id) < ($1::bigint, $2)",
            "coalesce(d.amount_micros, -1) DESC, d.id DESC",
        ),
        DealSort::CloseDate => (
            "(coalesce(d.close_date, 'infinity'), d.id) > ($1::date, $2)",
            "coalesce(d.close_date, 'infinity'), d.id",
        ),
        DealSort::Newest => (
            "(d.created_at, d.id) < ($1::timestamptz, $2)",
            "d.created_at DESC, d.id DESC",
        ),
    };
    let key = after.map(|d| match f.sort {
        DealSort::Name => d.name.clone(),
        DealSort::Amount => d.amount_micros.unwrap_or(-1).to_string(),
        DealSort::CloseDate => d
            .close_date
            .map(|c| c.to_string())
            .unwrap_or_else(|| "infinity".into()),
        DealSort::Newest => time_key(d.created_at),
    });
    let cols = qualified(super::deals::COLUMNS, "d");
    let sql = format!(
        "SELECT {cols} FROM crm_deals d \
         WHERE ($2::uuid IS NULL OR {cond}) \
           AND ($3::text IS NULL OR d.name ILIKE $3 OR EXISTS (SELECT 1 FROM crm_companies c \
                WHERE c.id = d.company_id AND c.name ILIKE $3)) \
           AND ($4::uuid IS NULL OR d.pipeline_id = $4) \
           AND ($5::uuid IS NULL OR d.stage_id = $5) \
           AND ($6::uuid IS NULL OR d.owner_id = $6) \
           AND ($7::text IS NULL OR d.priority::text = $7) \
           AND ($8::date IS NULL OR d.close_date >= $8) \
           AND ($9::date IS NULL OR d.close_date <= $9) \
         ORDER BY {order} LIMIT $10"
    );
    Ok(sqlx::query_as(&sql)
        .bind(key)
        .bind(after.map(|d| d.id))
        .bind(f.q.as_deref().map(like))
        .bind(f.pipeline)
        .bind(f.stage)
        .bind(f.owner)
        .bind(f.priority.map(Priority::as_str))
        .bind(f.close_from)
        .bind(f.close_to)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?)
}
