//! The board's cards: per stage the first cards in position order, or the
//! cards after a keyset cursor in one stage, with the filters applied in
//! the database so a page's work is bounded by what it shows.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::{
    conditions::{and_bind, and_deal_named},
    lookup::like,
    Result, Tx,
};
use redkey_types::{DealCard, Priority};

/// What narrows the board. `owner` is a member's id, or text matched
/// against members' names and addresses; `text` matches the deal's or its
/// company's name.
#[derive(Clone, Debug, Default)]
pub struct BoardFilter {
    pub owner: Option<String>,
    pub priority: Option<Priority>,
    pub text: Option<String>,
}

impl BoardFilter {
    pub fn is_empty(&self) -> bool {
        self.owner.is_none() && self.priority.is_none() && self.text.is_none()
    }
}

/// A position in one stage's column: the last card shown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cursor {
    pub stage: Uuid,
    pub position: f64,
    pub id: Uuid,
}

impl Cursor {
    /// The cursor as it travels in a link: `position_id`.
    pub fn encode(position: f64, id: Uuid) -> String {
        format!("{position}_{id}")
    }

    pub fn parse(stage: Uuid, s: &str) -> Option<Cursor> {
        let (position, id) = s.split_once('_')?;
        let position: f64 = position.parse().ok().filter(|p: &f64| p.is_finite())?;
        Some(Cursor {
            stage,
            position,
            id: id.parse().ok()?,
        })
    }
}

/// Writes the filter's conditions on `d`, only those in force: an unused
/// `$n IS NULL OR ...` kept Postgres from ever reusing the plan.
fn push_conditions(sql: &mut QueryBuilder<'_, Postgres>, filter: &BoardFilter) {
    match owner_terms(filter) {
        (Some(id), _) => {
            sql.push(" AND d.owner_id = ").push_bind(id);
        }
        (None, Some(text)) => {
            sql.push(
                " AND d.owner_id IN (SELECT m.id FROM crm_members m \
                 WHERE (m.first_name || ' ' || m.last_name || ' ' || coalesce(m.email, '')) ILIKE ",
            )
            .push_bind(text)
            .push(")");
        }
        (None, None) => {}
    }
    and_bind(
        sql,
        " AND d.priority::text = ",
        filter.priority.map(|p| p.as_str()),
    );
    and_deal_named(sql, filter.text.as_deref());
}

/// A card as read, before the clock is applied: how long it has been in
/// its stage, and whether it is stale, depend on the moment shown, so a
/// board kept between requests (`crm_board_stamp()`) is dated as it is
/// served.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CardRow {
    pub id: Uuid,
    pub name: String,
    pub stage_id: Uuid,
    pub position: f64,
    pub amount_micros: Option<i64>,
    pub currency_code: String,
    pub priority: Option<Priority>,
    pub company_name: Option<String>,
    pub stage_changed_at: DateTime<Utc>,
    /// The last activity, or the deal's creation.
    pub touched_at: DateTime<Utc>,
    /// Its stage's threshold; `None` for a won or lost stage, whose deals
    /// are never stale.
    pub stale_after_days: Option<i32>,
}

impl CardRow {
    /// The card at `now`: whole days as `crm_needs_attention` counts them.
    pub fn card(&self, now: DateTime<Utc>) -> DealCard {
        DealCard {
            id: self.id,
            name: self.name.clone(),
            stage_id: self.stage_id,
            position: self.position,
            amount_micros: self.amount_micros,
            currency_code: self.currency_code.clone(),
            priority: self.priority,
            company_name: self.company_name.clone(),
            days_in_stage: whole_days(now, self.stage_changed_at),
            stale: self
                .stale_after_days
                .is_some_and(|d| whole_days(now, self.touched_at) >= i64::from(d)),
        }
    }
}

/// `floor(extract(epoch FROM now - since) / 86400)`, in microseconds as
/// Postgres keeps them.
pub fn whole_days(now: DateTime<Utc>, since: DateTime<Utc>) -> i64 {
    const DAY: i64 = 86_400_000_000;
    (now - since)
        .num_microseconds()
        .map_or_else(|| (now - since).num_days(), |us| us.div_euclid(DAY))
}

/// Up to `limit` cards of each of `stages`, in position order; in the
/// cursor's stage, the cards after it; dated at `now`.
pub async fn cards(
    tx: &mut Tx,
    stages: &[Uuid],
    filter: &BoardFilter,
    after: Option<Cursor>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<DealCard>> {
    let rows = card_rows(tx, stages, filter, after, limit).await?;
    Ok(rows.iter().map(|r| r.card(now)).collect())
}

/// The cards of [`cards`], undated.
pub async fn card_rows(
    tx: &mut Tx,
    stages: &[Uuid],
    filter: &BoardFilter,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<CardRow>> {
    if stages.is_empty() {
        return Ok(vec![]);
    }
    // One statement for every column: a subquery per stage walks the
    // (client, stage, position) index and stops after `limit` rows. Each
    // names its stage as a literal: with the stage as a value from outside
    // (a lateral join), Postgres guessed a handful of deals per stage over
    // Twenty's tables, read every deal of the stage and sorted them. The
    // stage's own row (its threshold, won or lost) is joined to the cards
    // shown. The limit is written out too (see `conditions`). The order
    // names the stage although it is fixed: over Twenty the stage is an
    // expression of Twenty's enum, whose equality Postgres does not count
    // as leakproof, so beside a row-secured table (the adapter's extension
    // rows) the condition cannot tell the planner the index's first column
    // is constant, and it would read and sort the whole stage. The cards'
    // companies are read in one index scan by id after the limits: joined
    // inside each column, each card paid a row-secured lookup of its own,
    // a quarter of the statement's time (BENCHMARKS.md, session 35). The
    // lookup is materialised too: inlined, Postgres again looked each
    // card's company up on its own, in a nested loop (session 38).
    let mut sql = QueryBuilder::new("WITH x AS MATERIALIZED (");
    for (n, stage) in stages.iter().enumerate() {
        if n > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(format!(
            "(SELECT {n} AS n, d.id, d.name, d.stage_id, d.position, d.amount_micros, \
                     d.currency_code, d.priority, d.company_id, d.stage_changed_at, \
                     coalesce(d.last_activity_at, d.created_at) AS touched_at \
              FROM crm_deals d WHERE d.stage_id = '{stage}'::uuid"
        ));
        push_conditions(&mut sql, filter);
        if let Some(c) = after.filter(|c| c.stage == *stage) {
            sql.push(" AND (d.position, d.id) > (")
                .push_bind(c.position)
                .push(", ")
                .push_bind(c.id)
                .push(")");
        }
        sql.push(format!(
            " ORDER BY d.stage_id, d.position, d.id LIMIT {limit})"
        ));
    }
    sql.push(
        "), co AS MATERIALIZED (SELECT id, name FROM crm_companies \
                   WHERE id = ANY(ARRAY(SELECT company_id FROM x))) \
         SELECT x.id, x.name, x.stage_id, x.position, x.amount_micros, x.currency_code, \
                x.priority, co.name AS company_name, x.stage_changed_at, x.touched_at, \
                CASE WHEN NOT p.is_won AND NOT p.is_lost THEN p.stale_after_days END \
                  AS stale_after_days \
         FROM x LEFT JOIN co ON co.id = x.company_id \
         JOIN crm_pipeline p ON p.stage_id = x.stage_id ORDER BY x.n, x.position, x.id",
    );
    Ok(sql.build_query_as().fetch_all(tx.conn()).await?)
}

/// The client's board stamp (`crm_board_stamp()`): while it holds, the
/// board's unfiltered first cards and its stages read the same. `None`
/// where no stamp is kept (a client attached to a Twenty workspace).
pub async fn stamp(tx: &mut Tx) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT crm_board_stamp()")
        .fetch_one(tx.conn())
        .await?)
}

/// How many deals of each stage match a filter (the board's totals read
/// the maintained ones when nothing is filtered). Counts and sums in
/// whole units, like `crm_pipeline`.
pub async fn filtered_totals(
    tx: &mut Tx,
    pipeline: Uuid,
    filter: &BoardFilter,
) -> Result<Vec<(Uuid, i64, i64)>> {
    let mut sql = QueryBuilder::new(
        "SELECT d.stage_id, count(*), \
                round(coalesce(sum(d.amount_micros::numeric), 0) / 1000000)::bigint \
         FROM crm_deals d WHERE d.pipeline_id = ",
    );
    sql.push_bind(pipeline);
    push_conditions(&mut sql, filter);
    sql.push(" GROUP BY d.stage_id");
    Ok(sql.build_query_as().fetch_all(tx.conn()).await?)
}

fn owner_terms(filter: &BoardFilter) -> (Option<Uuid>, Option<String>) {
    match filter.owner.as_deref() {
        None => (None, None),
        Some(o) => match o.parse::<Uuid>() {
            Ok(id) => (Some(id), None),
            Err(_) => (None, Some(like(o))),
        },
    }
}
