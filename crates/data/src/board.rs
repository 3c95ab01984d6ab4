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

/// Up to `limit` cards of each of `stages`, in position order; in the
/// cursor's stage, the cards after it.
pub async fn cards(
    tx: &mut Tx,
    stages: &[Uuid],
    filter: &BoardFilter,
    after: Option<Cursor>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<DealCard>> {
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
                x.priority, co.name AS company_name, floor(extract(epoch FROM ",
    );
    sql.push_bind(now)
        .push(" - x.stage_changed_at) / 86400)::bigint AS days_in_stage, floor(extract(epoch FROM ")
        .push_bind(now)
        .push(
            " - x.touched_at) / 86400) >= p.stale_after_days AND NOT p.is_won AND NOT p.is_lost \
             AS stale FROM x LEFT JOIN co ON co.id = x.company_id \
             JOIN crm_pipeline p ON p.stage_id = x.stage_id ORDER BY x.n, x.position, x.id",
        );
    Ok(sql.build_query_as().fetch_all(tx.conn()).await?)
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
