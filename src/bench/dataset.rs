//! The HTTP benchmark's data set: one client grown to 5,000 companies,
//! 50,000 contacts, 10,000 deals in one seven-stage pipeline and 500,000
//! activities (and the email and history of [`super::mail`]), and a
//! person to sign in as. Loading is idempotent: each
//! kind is filled up to its size, so a second run only checks.

use indicatif::{ProgressBar, ProgressStyle};
use redkey_data::{pipeline, Actor, ClientId, Db};
use redkey_types::EmailAddress;
use sqlx::PgPool;
use uuid::Uuid;

use crate::admin;

pub const SLUG: &str = "benchhttp";
pub const EMAIL: &str = "bench@redkey.test";
pub const PASSWORD: &str = "bench-password-not-secret";

pub const COMPANIES: i64 = 5_000;
pub const CONTACTS: i64 = 50_000;
pub const DEALS: i64 = 10_000;
pub const ACTIVITIES: i64 = 500_000;
const BATCH: i64 = 5_000;
/// Companies numbered from 0 in creation order, to spread rows over them.
const NUMBERED_COMPANIES: &str =
    "co AS (SELECT id, row_number() OVER (ORDER BY created_at, id) - 1 AS n FROM crm_companies)";

/// The Twenty workspace schema the data set goes into under `--twenty`.
pub const TWENTY_SCHEMA: &str = "workspace_bench";

/// Makes the client run over a Twenty workspace of its own (built to the
/// pinned shape), before anything is loaded: the data set then goes
/// through the adapter into Twenty's tables.
pub async fn attach_twenty(owner: &PgPool) -> anyhow::Result<()> {
    if !admin::clients(owner)
        .await?
        .iter()
        .any(|(_, s, _)| s == SLUG)
    {
        admin::create_client(owner, SLUG, "Bench").await?;
    }
    redkey_data::twenty::fixture::create(owner, TWENTY_SCHEMA).await?;
    redkey_data::twenty::attach(owner, TWENTY_SCHEMA, SLUG).await?;
    Ok(())
}

/// Loads what is missing; returns the client. Over Twenty (`twenty`), deals
/// have no owner (the pinned opportunity has none) and there are no
/// activities (they are RedKey's own rows, keyed to its own contacts).
pub async fn load(owner: &PgPool, db: &Db, twenty: bool) -> anyhow::Result<ClientId> {
    let existing = admin::clients(owner).await?;
    let client = match existing.iter().find(|(_, slug, _)| slug == SLUG) {
        Some((id, _, _)) => ClientId(*id),
        None => ClientId(admin::create_client(owner, SLUG, "Bench").await?),
    };
    let email = EmailAddress::parse(EMAIL).expect("bench email parses");
    let user = admin::upsert_user(
        owner,
        &email,
        "Bench Founder",
        PASSWORD,
        &[SLUG.into()],
        true,
    )
    .await?;
    let human = Actor::User(user);

    let mut tx = db.begin(client, human).await?;
    let stages: Vec<Uuid> = {
        let have = pipeline::stages(&mut tx).await?;
        if have.is_empty() {
            let p = pipeline::create_pipeline(&mut tx, "Sales").await?;
            let mut ids = vec![];
            // The demo's seven stages, won and lost last.
            for (name, prob, won, lost) in admin::seed::STAGES {
                ids.push(pipeline::create_stage(&mut tx, p, name, prob, won, lost).await?);
            }
            ids
        } else {
            have.iter().map(|s| s.stage_id).collect()
        }
    };
    tx.commit().await?;

    fill(
        db,
        client,
        human,
        "companies",
        "crm_companies",
        COMPANIES,
        |from, to| {
            format!(
                "INSERT INTO crm_companies (name, domain, created_by_source) \
             SELECT 'Company ' || i, 'company' || i || '.test', 'IMPORT' \
             FROM generate_series({from}, {to}) AS i"
            )
        },
    )
    .await?;
    fill(db, client, human, "contacts", "crm_contacts", CONTACTS, |from, to| {
        format!(
            "WITH {NUMBERED_COMPANIES} \
             INSERT INTO crm_contacts (first_name, last_name, email, company_id, priority, \
                                       created_by_source) \
             SELECT (ARRAY['Ann','Ben','Cleo','Dev','Eli','Fay','Gus','Hana'])[1 + i % 8], \
                    'Surname' || i, 'person' || i || '@company' || (i % {COMPANIES}) || '.test', \
                    co.id, (ARRAY[NULL,'low','medium','high'])[1 + i % 4]::priority_level, 'IMPORT' \
             FROM generate_series({from}, {to}) AS i JOIN co ON co.n = i % {COMPANIES}"
        )
    })
    .await?;
    let stage_count = stages.len();
    let deal_owner = if twenty {
        "NULL::uuid"
    } else {
        "(SELECT id FROM crm_members LIMIT 1)"
    };
    let stage_list = stages
        .iter()
        .map(|s| format!("'{s}'::uuid"))
        .collect::<Vec<_>>()
        .join(",");
    fill(
        db,
        client,
        human,
        "deals",
        "crm_deals",
        DEALS,
        |from, to| {
            format!(
                "WITH {NUMBERED_COMPANIES} \
             INSERT INTO crm_deals (name, pipeline_id, stage_id, amount_micros, close_date, \
                                    company_id, owner_id, created_by_source) \
             SELECT 'Deal ' || i, (SELECT pipeline_id FROM crm_pipeline LIMIT 1), \
                    (ARRAY[{stage_list}])[1 + i % {stage_count}], (1000 + i % 90000) * 1000000::bigint, \
                    current_date + (i % 300 - 60), co.id, {deal_owner}, 'IMPORT' \
             FROM generate_series({from}, {to}) AS i JOIN co ON co.n = (i * 7) % {COMPANIES}"
            )
        },
    )
    .await?;
    // Positions as moves leave them: dense within each column.
    if twenty {
        sqlx::query(&format!(
            "UPDATE {TWENTY_SCHEMA}.opportunity o SET position = t.n \
             FROM (SELECT id, row_number() OVER (PARTITION BY stage ORDER BY \"createdAt\", id) - 1 AS n \
                   FROM {TWENTY_SCHEMA}.opportunity WHERE \"deletedAt\" IS NULL) t \
             WHERE o.id = t.id AND o.position <> t.n"
        ))
        .execute(owner)
        .await?;
    } else {
        sqlx::query(
            "UPDATE opportunities o SET position = t.n \
             FROM (SELECT id, row_number() OVER (PARTITION BY stage_id ORDER BY created_at, id) - 1 AS n \
                   FROM opportunities WHERE workspace_id = $1 AND deleted_at IS NULL) t \
             WHERE o.id = t.id AND o.position <> t.n",
        )
        .bind(client.0)
        .execute(owner)
        .await?;
    }
    if twenty {
        settle(owner).await?;
        return Ok(client);
    }
    fill(db, client, Actor::Agent, "activities", "crm_activities", ACTIVITIES, |from, to| {
        format!(
            "WITH c AS (SELECT id, company_id, row_number() OVER (ORDER BY id) - 1 AS n \
                        FROM crm_contacts) \
             INSERT INTO crm_activities (kind, subject, happens_at, contact_id, company_id, \
                                         created_by_source) \
             SELECT (ARRAY['email_sent','email_opened','meeting','call'])[1 + i % 4], \
                    'Activity ' || i, now() - (i % 100000) * interval '1 minute', c.id, c.company_id, \
                    'IMPORT' \
             FROM generate_series({from}, {to}) AS i JOIN c ON c.n = i % {CONTACTS}"
        )
    })
    .await?;
    super::mail::load(owner, db, client, human).await?;
    settle(owner).await?;
    Ok(client)
}

/// Leaves the loaded tables as a running database keeps them: vacuumed
/// and analysed. The load rewrites rows (positions, maintained totals, the
/// search documents), and where autovacuum is off or has not come round
/// yet (it is off on this project's test machines) every measured page
/// walked their dead versions: the board's stage totals took 0.33 ms
/// instead of 0.11 ms, each of seven stages visiting 52 versions of its row
/// (BENCHMARKS.md, session 39).
pub async fn settle(owner: &PgPool) -> anyhow::Result<()> {
    sqlx::query("VACUUM ANALYZE").execute(owner).await?;
    Ok(())
}

/// Inserts rows into `view` in batches until it holds `target`.
async fn fill(
    db: &Db,
    client: ClientId,
    actor: Actor,
    what: &str,
    view: &str,
    target: i64,
    batch_sql: impl Fn(i64, i64) -> String,
) -> anyhow::Result<()> {
    let mut tx = db.begin(client, actor).await?;
    let mut have: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {view}"))
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    let bar = ProgressBar::new(target as u64).with_style(ProgressStyle::with_template(&format!(
        "{what:>10} {{bar:40}} {{pos}}/{{len}} {{per_sec}}"
    ))?);
    bar.set_position(have as u64);
    while have < target {
        let n = BATCH.min(target - have);
        let mut tx = db.begin(client, actor).await?;
        sqlx::query(&batch_sql(have, have + n - 1))
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        have += n;
        bar.set_position(have as u64);
    }
    bar.finish();
    Ok(())
}
