//! The Twenty adapter: the cockpit and arlo over a live Twenty workspace
//! schema, with no copy. `attach` maps one workspace schema to one client;
//! its `crm_contacts`, `crm_companies` and `crm_deals` become views in
//! schema `redkey_twenty` over Twenty's own `person`, `company` and
//! `opportunity` rows joined with our extension tables, which that client's
//! transactions resolve first (`redkey_search_path`); so do `crm_notes` and
//! `crm_note_targets`, over `note` and `noteTarget`. Twenty's tables keep
//! their columns and get no row security: the views scope by client, our
//! roles never see Twenty's tables directly.
//!
//! The generated objects pin Twenty's columns, so a Twenty upgrade runs
//! between `before_upgrade` (drops them) and `after_upgrade` (recreates
//! them from the catalog and reports what the new version lacks).

pub mod fixture;
mod generate;
mod indexes;
mod mapping;
pub mod migrator;

use std::collections::HashMap;

use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::{DbError, Result};
use generate::{Attached, Col, Columns, Shape};
use mapping::{BOOKKEEPING, OBJECTS};

/// What a refresh found: Twenty columns the mapping names that a workspace
/// no longer has (read as NULL, never written), and columns of our main
/// views the adapter has no source for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub missing: Vec<String>,
    pub unmapped: Vec<String>,
    pub attached: usize,
}

/// Attaches Twenty workspace schema `schema` as client `slug`: applies the
/// adapter's migrations, lets the adapter read and write the workspace's
/// tables, makes Twenty's stage options one pipeline, and builds the views.
/// Attaching the same pair again only rebuilds.
pub async fn attach(owner: &PgPool, schema: &str, slug: &str) -> Result<Report> {
    let mut conn = owner.acquire().await?;
    migrator::run(&mut conn).await?;
    let mut tx = conn.begin().await?;
    lock(&mut tx).await?;
    for table in mapped_tables() {
        let found: Option<String> =
            sqlx::query_scalar("SELECT to_regclass(format('%I.%I', $1::text, $2::text))::text")
                .bind(schema)
                .bind(table)
                .fetch_one(&mut *tx)
                .await?;
        if found.is_none() {
            return Err(DbError::Invalid(format!(
                "{schema} has no table {table}: is it a Twenty workspace schema?"
            )));
        }
    }
    let client: Uuid = sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| DbError::Invalid(format!("no client {slug}")))?;
    let existing: Option<(Uuid, String)> = sqlx::query_as(
        "SELECT workspace_id, workspace_schema FROM redkey_twenty.attachments \
         WHERE workspace_id = $1 OR workspace_schema = $2",
    )
    .bind(client)
    .bind(schema)
    .fetch_optional(&mut *tx)
    .await?;
    match existing {
        Some((c, s)) if c == client && s == schema => {}
        Some((_, s)) => {
            return Err(DbError::Conflict(format!(
                "{slug} or {schema} is already attached (to {s})"
            )))
        }
        None => {
            set_client(&mut tx, client).await?;
            let pipeline: Uuid = sqlx::query_scalar(
                "INSERT INTO pipelines (workspace_id, name) VALUES ($1, 'Opportunities') RETURNING id",
            )
            .bind(client)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO redkey_twenty.attachments (workspace_id, workspace_schema, pipeline_id) \
                 VALUES ($1, $2, $3)",
            )
            .bind(client)
            .bind(schema)
            .bind(pipeline)
            .execute(&mut *tx)
            .await?;
        }
    }
    let report = refresh(&mut tx).await?;
    tx.commit().await?;
    Ok(report)
}

/// Drops the adapter's generated views, functions and triggers (what pins
/// Twenty's columns); the attachments and extension rows stay.
pub async fn before_upgrade(owner: &PgPool) -> Result<usize> {
    let mut conn = owner.acquire().await?;
    migrator::run(&mut conn).await?;
    let mut tx = conn.begin().await?;
    lock(&mut tx).await?;
    let n = drop_generated(&mut tx).await?;
    tx.commit().await?;
    Ok(n)
}

/// Rebuilds the adapter over the workspaces as they now are, takes in new
/// stage options, recounts the totals, and reports what is gone.
pub async fn after_upgrade(owner: &PgPool) -> Result<Report> {
    let mut conn = owner.acquire().await?;
    migrator::run(&mut conn).await?;
    let mut tx = conn.begin().await?;
    lock(&mut tx).await?;
    let report = refresh(&mut tx).await?;
    tx.commit().await?;
    Ok(report)
}

/// The adapter's row triggers on Twenty's tables (they change no Twenty
/// column): the field audit trail of what Twenty's columns hold, the
/// board's stage totals, Today's won and lost outcomes and forecast months,
/// Twenty's timeline events of our changes, and the search side tables.
const TRIGGERS: &[(&str, &str, &str)] = &[
    (
        "redkey_audit",
        "opportunity",
        "audit_twenty('{client}', 'crm_deals', 'stage_id:stage:strategic:stage', \
         'amount_micros:amountAmountMicros:strategic', \
         'currency_code:amountCurrencyCode:strategic', 'close_date:closeDate:strategic:date')",
    ),
    (
        "redkey_audit",
        "company",
        "audit_twenty('{client}', 'crm_companies', \
         'linkedin_url:linkedinLinkPrimaryLinkUrl:operational', 'employees:employees:operational')",
    ),
    (
        "redkey_audit",
        "person",
        "audit_twenty('{client}', 'crm_contacts', \
         'linkedin_url:linkedinLinkPrimaryLinkUrl:operational')",
    ),
    ("redkey_count_deal", "opportunity", "count_deal('{client}')"),
    (
        "redkey_deal_charts",
        "opportunity",
        "count_deal_charts('{client}')",
    ),
    ("redkey_timeline", "person", "timeline_event('person')"),
    ("redkey_timeline", "company", "timeline_event('company')"),
    (
        "redkey_timeline",
        "opportunity",
        "timeline_event('opportunity')",
    ),
    (
        "redkey_search",
        "person",
        "index_search('{client}', 'contact')",
    ),
    (
        "redkey_search",
        "company",
        "index_search('{client}', 'company')",
    ),
    (
        "redkey_search",
        "opportunity",
        "index_search('{client}', 'deal')",
    ),
    ("redkey_search", "note", "index_search('{client}', 'note')"),
    ("redkey_search", "task", "index_search('{client}', 'todo')"),
];

/// Twenty's tables the adapter maps.
fn mapped_tables() -> impl Iterator<Item = &'static str> {
    OBJECTS.iter().map(|o| o.table)
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

async fn lock(tx: &mut Transaction<'_, Postgres>) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(7201868)")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn set_client(tx: &mut Transaction<'_, Postgres>, client: Uuid) -> Result<()> {
    sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
        .bind(client.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn attachments(tx: &mut PgConnection) -> Result<Vec<(Uuid, String, Uuid)>> {
    Ok(sqlx::query_as(
        "SELECT workspace_id, workspace_schema, pipeline_id FROM redkey_twenty.attachments \
         ORDER BY attached_at, workspace_id",
    )
    .fetch_all(tx)
    .await?)
}

async fn drop_generated(tx: &mut Transaction<'_, Postgres>) -> Result<usize> {
    let all = attachments(tx).await?;
    for (_, schema, _) in &all {
        for (name, table, _) in TRIGGERS {
            let exists: Option<String> =
                sqlx::query_scalar("SELECT to_regclass(format('%I.%I', $1::text, $2::text))::text")
                    .bind(schema)
                    .bind(table)
                    .fetch_one(&mut **tx)
                    .await?;
            if exists.is_some() {
                sqlx::raw_sql(&format!(
                    "DROP TRIGGER IF EXISTS {name} ON {}.{}",
                    quote(schema),
                    quote(table)
                ))
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    for (_, schema, _) in &all {
        for name in OBJECTS.iter().flat_map(indexes::names) {
            sqlx::raw_sql(&format!(
                "DROP INDEX IF EXISTS {}.{}",
                quote(schema),
                quote(&name)
            ))
            .execute(&mut **tx)
            .await?;
        }
    }
    for o in OBJECTS {
        sqlx::raw_sql(&format!(
            "DROP VIEW IF EXISTS redkey_twenty.{v}; DROP FUNCTION IF EXISTS redkey_twenty.\"write_{}\"();",
            o.view,
            v = o.view
        ))
        .execute(&mut **tx)
        .await?;
    }
    Ok(all.len())
}

/// Columns of `relation` as the catalog has them, by name, in order.
async fn columns(tx: &mut PgConnection, relation: &str) -> Result<Vec<(String, Col)>> {
    let rows: Vec<(String, String, bool, Option<String>)> = sqlx::query_as(
        "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
                pg_get_expr(d.adbin, d.adrelid) \
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
    )
    .bind(relation)
    .fetch_all(tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(n, ty, not_null, default)| {
            (
                n,
                Col {
                    ty,
                    not_null,
                    default,
                },
            )
        })
        .collect())
}

async fn refresh(tx: &mut Transaction<'_, Postgres>) -> Result<Report> {
    drop_generated(tx).await?;
    let mut report = Report::default();
    let mut all = vec![];
    for (client, schema, pipeline) in attachments(tx).await? {
        let mut tables = HashMap::new();
        // Every refresh: a newer adapter may map tables an older one did not.
        let q = quote(&schema);
        let granted: Vec<String> = mapped_tables()
            .map(|t| format!("{q}.{}", quote(t)))
            .collect();
        sqlx::raw_sql(&format!(
            "GRANT USAGE ON SCHEMA {q} TO redkey_owner;
             GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO redkey_owner;
             GRANT TRIGGER ON {} TO redkey_owner;",
            granted.join(", "),
            granted.join(", ")
        ))
        .execute(&mut **tx)
        .await?;
        // Twenty's timeline, where the adapter writes the events of its
        // changes and erases a forgotten person's (when this Twenty
        // version has one).
        sqlx::raw_sql(&format!(
            "DO $$ BEGIN IF to_regclass('{q}.\"timelineActivity\"') IS NOT NULL THEN \
             GRANT SELECT, INSERT, DELETE ON {q}.\"timelineActivity\" TO redkey_owner; END IF; END $$"
        ))
        .execute(&mut **tx)
        .await?;
        for table in mapped_tables() {
            let cols = columns(tx, &format!("{}.{}", quote(&schema), quote(table))).await?;
            if cols.is_empty() {
                return Err(DbError::Invalid(format!(
                    "{schema} has no table {table} any more: the adapter cannot map it"
                )));
            }
            tables.insert(table.to_string(), cols.into_iter().collect::<Columns>());
        }
        for (table, column) in BOOKKEEPING {
            if !tables[*table].contains_key(*column) {
                report.missing.push(format!("{schema}.{table}.{column}"));
            }
        }
        let stages = sync_stages(tx, client, &schema, pipeline).await?;
        all.push(Attached {
            client,
            schema,
            pipeline,
            stages,
            tables,
        });
    }
    report.attached = all.len();
    if all.is_empty() {
        return Ok(report);
    }
    let mut natives = HashMap::new();
    for o in OBJECTS {
        let native: Vec<(String, String)> = columns(tx, &format!("public.{}", o.view))
            .await?
            .into_iter()
            .map(|(n, c)| (n, c.ty))
            .collect();
        for a in &all {
            for sql in indexes::create(o, a, &native) {
                sqlx::raw_sql(&sql).execute(&mut **tx).await?;
            }
        }
        natives.insert(o.view, native);
    }
    sqlx::query("SET LOCAL ROLE redkey_owner")
        .execute(&mut **tx)
        .await?;
    for o in OBJECTS {
        let native = &natives[o.view];
        let ext: Columns = match o.ext {
            Some(ext) => columns(tx, &format!("redkey_twenty.{ext}"))
                .await?
                .into_iter()
                .collect(),
            None => Columns::new(),
        };
        let shape = Shape { native, ext: &ext };
        let view = generate::view(o, &shape, &all, &mut report.missing, &mut report.unmapped);
        sqlx::raw_sql(&view).execute(&mut **tx).await?;
        sqlx::raw_sql(&generate::writer(o, &shape, &all))
            .execute(&mut **tx)
            .await?;
    }
    for a in &all {
        for (name, table, call) in TRIGGERS {
            sqlx::raw_sql(&format!(
                "CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE ON {}.{} \
                 FOR EACH ROW EXECUTE FUNCTION redkey_twenty.{}",
                quote(&a.schema),
                quote(table),
                call.replace("{client}", &a.client.to_string())
            ))
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query("SELECT redkey_grant_views('redkey_twenty')")
        .execute(&mut **tx)
        .await?;
    sqlx::query("RESET ROLE").execute(&mut **tx).await?;
    for a in &all {
        sqlx::query(
            "SELECT redkey_twenty.recount($1), redkey_twenty.reindex_search($1), \
                    redkey_recount_deal_charts($1)",
        )
        .bind(a.client)
        .execute(&mut **tx)
        .await?;
    }
    // The side tables were just written again: without fresh statistics
    // the searches planned over them ran half as fast until autovacuum
    // came by (measured in BENCHMARKS.md, session 24).
    sqlx::raw_sql(
        "SET LOCAL ROLE redkey_owner; \
         ANALYZE redkey_twenty.contact_search, redkey_twenty.record_search; \
         RESET ROLE",
    )
    .execute(&mut **tx)
    .await?;
    Ok(report)
}

/// Twenty's stage options, in their order, as stages of the client's one
/// pipeline: new options (after an upgrade or an edit in Twenty) become
/// new stages; the last option is the won stage, as Twenty's CUSTOMER is.
/// Returns the options the workspace has now, with their stages.
async fn sync_stages(
    tx: &mut Transaction<'_, Postgres>,
    client: Uuid,
    schema: &str,
    pipeline: Uuid,
) -> Result<Vec<(String, Uuid)>> {
    let labels: Vec<String> = sqlx::query_scalar(
        "SELECT e.enumlabel::text FROM pg_attribute a JOIN pg_enum e ON e.enumtypid = a.atttypid \
         WHERE a.attrelid = to_regclass(format('%I.opportunity', $1::text)) AND a.attname = 'stage' \
         ORDER BY e.enumsortorder",
    )
    .bind(schema)
    .fetch_all(&mut **tx)
    .await?;
    set_client(tx, client).await?;
    let n = labels.len();
    let mut current = Vec::with_capacity(n);
    for (i, label) in labels.iter().enumerate() {
        let known: Option<Uuid> = sqlx::query_scalar(
            "SELECT stage_id FROM redkey_twenty.stages WHERE workspace_id = $1 AND label = $2",
        )
        .bind(client)
        .bind(label)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(stage) = known {
            current.push((label.clone(), stage));
            continue;
        }
        let won = i + 1 == n;
        let stage: Uuid = sqlx::query_scalar(
            "INSERT INTO pipeline_stages (workspace_id, pipeline_id, name, position, probability, is_won) \
             VALUES ($1, $2, initcap(replace($3, '_', ' ')), $4, $5, $6) RETURNING id",
        )
        .bind(client)
        .bind(pipeline)
        .bind(label)
        .bind(i as i32)
        .bind(if won { 100 } else { (10 + 80 * i / n.max(1)) as i32 })
        .bind(won)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO redkey_twenty.stages (workspace_id, label, stage_id) VALUES ($1, $2, $3)",
        )
        .bind(client)
        .bind(label)
        .bind(stage)
        .execute(&mut **tx)
        .await?;
        current.push((label.clone(), stage));
    }
    Ok(current)
}
