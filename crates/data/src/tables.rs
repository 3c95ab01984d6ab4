//! The companies and deals tables: filtered, sorted, and paged by keyset
//! (the last row of a page is the cursor; every order ends in the id, so
//! the key is unique and a page deep in the table costs what the first
//! does). The contacts table is [`super::contacts::page`].

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::{
    conditions::{and_bind, and_deal_named, Keyset},
    lookup::like,
    records::qualified,
    Result, Tx,
};
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
    let keyset = match f.sort {
        RecordSort::Name => Keyset::up("c.name", "c.id", ""),
        RecordSort::RecentActivity => Keyset::down(
            "coalesce(c.last_activity_at, '-infinity')",
            "c.id",
            "::timestamptz",
        ),
        RecordSort::Newest => Keyset::down("c.created_at", "c.id", "::timestamptz"),
    };
    let after = after.map(|c| {
        let key = match f.sort {
            RecordSort::Name => c.name.clone(),
            RecordSort::RecentActivity => c
                .last_activity_at
                .map(time_key)
                .unwrap_or_else(|| "-infinity".into()),
            RecordSort::Newest => time_key(c.created_at),
        };
        (key, c.id)
    });
    let cols = qualified(super::companies::COLUMNS, "c");
    let mut sql = QueryBuilder::new(format!("SELECT {cols} FROM crm_companies c WHERE true"));
    keyset.after(&mut sql, after);
    if let Some(q) = f.q.as_deref().map(like) {
        sql.push(" AND (c.name ILIKE ")
            .push_bind(q.clone())
            .push(" OR c.domain ILIKE ")
            .push_bind(q)
            .push(")");
    }
    and_bind(
        &mut sql,
        " AND c.priority::text = ",
        f.priority.map(Priority::as_str),
    );
    and_bind(&mut sql, " AND c.account_owner_id = ", f.owner);
    sql.push(keyset.order()).push(format!(" LIMIT {limit}"));
    Ok(sql.build_query_as().fetch_all(tx.conn()).await?)
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
    let keyset = match f.sort {
        DealSort::Name => Keyset::up("d.name", "d.id", ""),
        DealSort::Amount => Keyset::down("coalesce(d.amount_micros, -1)", "d.id", "::bigint"),
        DealSort::CloseDate => Keyset::up("coalesce(d.close_date, 'infinity')", "d.id", "::date"),
        DealSort::Newest => Keyset::down("d.created_at", "d.id", "::timestamptz"),
    };
    let after = after.map(|d| {
        let key = match f.sort {
            DealSort::Name => d.name.clone(),
            DealSort::Amount => d.amount_micros.unwrap_or(-1).to_string(),
            DealSort::CloseDate => d
                .close_date
                .map(|c| c.to_string())
                .unwrap_or_else(|| "infinity".into()),
            DealSort::Newest => time_key(d.created_at),
        };
        (key, d.id)
    });
    let cols = qualified(super::deals::COLUMNS, "d");
    let mut sql = QueryBuilder::new(format!("SELECT {cols} FROM crm_deals d WHERE true"));
    keyset.after(&mut sql, after);
    and_deal_named(&mut sql, f.q.as_deref());
    and_bind(&mut sql, " AND d.pipeline_id = ", f.pipeline);
    and_bind(&mut sql, " AND d.stage_id = ", f.stage);
    and_bind(&mut sql, " AND d.owner_id = ", f.owner);
    and_bind(
        &mut sql,
        " AND d.priority::text = ",
        f.priority.map(Priority::as_str),
    );
    and_bind(&mut sql, " AND d.close_date >= ", f.close_from);
    and_bind(&mut sql, " AND d.close_date <= ", f.close_to);
    sql.push(keyset.order()).push(format!(" LIMIT {limit}"));
    Ok(sql.build_query_as().fetch_all(tx.conn()).await?)
}
