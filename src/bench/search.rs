//! `redkey bench-search`: contact search and paging at scale, under the
//! same roles and row-level security the cockpit runs with.

use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use redkey_data::{
    contacts::{self, ContactQuery},
    Actor, ClientId,
};
use redkey_types::{Priority, RecordSort};

use crate::{admin, config::DatabaseUrl};
use redkey_data::records;
use redkey_types::Contact;

const BATCH: i64 = 2_000;
const RUNS: usize = 25;

pub async fn run(server: &DatabaseUrl, contacts_n: i64) -> anyhow::Result<()> {
    let (owner, db) = super::fresh_database(server, "redkey_bench", 8).await?;
    let client = ClientId(admin::create_client(&owner, "bench", "Bench").await?);
    let noise = ClientId(admin::create_client(&owner, "noise", "Other client").await?);

    // Two clients of equal size: the other one is what RLS must filter out.
    let bar = ProgressBar::new((contacts_n * 2) as u64).with_style(ProgressStyle::with_template(
        "loading contacts {bar:40} {pos}/{len} {per_sec}",
    )?);
    for c in [client, noise] {
        let mut done = 0;
        while done < contacts_n {
            let n = BATCH.min(contacts_n - done);
            let mut tx = db.begin(c, Actor::Agent).await?;
            sqlx::query(
                "INSERT INTO crm_contacts (first_name, last_name, email, created_by_source, \
                                           last_activity_at) \
                 SELECT (ARRAY['Ann','Ben','Cleo','Dev','Eli','Fay','Gus','Hana'])[1 + i % 8], \
                        'Surname' || i, 'person' || i || '@company' || (i % 997) || '.test', 'IMPORT', \
                        CASE WHEN i % 3 > 0 THEN now() - (i % 7919) * interval '1 minute' END \
                 FROM generate_series($1::bigint, $2::bigint) AS i",
            )
            .bind(done)
            .bind(done + n - 1)
            .execute(tx.conn())
            .await?;
            tx.commit().await?;
            done += n;
            bar.inc(n as u64);
        }
    }
    bar.finish_and_clear();
    super::dataset::settle(&owner).await?;

    println!(
        "contacts per client: {contacts_n} (two clients, {} rows in all)",
        contacts_n * 2
    );
    println!(
        "{:<44} {:>9} {:>9} {:>6}",
        "query (as redkey_agent, RLS forced)", "p50 ms", "p95 ms", "rows"
    );
    let mut tx = db.begin(client, Actor::Agent).await?;
    // Runs the expression once to warm up, then RUNS times, and reports.
    macro_rules! measure {
        ($label:expr, $e:expr) => {{
            let rows = $e;
            let mut samples = Vec::with_capacity(RUNS);
            for _ in 0..RUNS {
                let t = Instant::now();
                let _ = $e;
                samples.push(t.elapsed());
            }
            report(&$label, &mut samples, rows);
        }};
    }
    for q in ["surname4242", "company42.test", "ann", "zzz-no-match"] {
        measure!(
            format!("search function {q:?}"),
            contacts::page(
                &mut tx,
                &ContactQuery {
                    search: Some(q),
                    ..Default::default()
                },
                50
            )
            .await?
            .len()
        );
        let pattern = format!("%{q}%");
        measure!(
            format!("naive ILIKE through the view {q:?}"),
            sqlx::query_as::<_, (uuid::Uuid,)>(
                "SELECT id FROM crm_contacts WHERE first_name ILIKE $1 OR last_name ILIKE $1 \
                 OR email ILIKE $1 ORDER BY last_name, first_name, id LIMIT 50",
            )
            .bind(&pattern)
            .fetch_all(tx.conn())
            .await?
            .len()
        );
    }
    let deep_id: uuid::Uuid = sqlx::query_scalar(
        "SELECT id FROM crm_contacts ORDER BY last_name, first_name, id OFFSET $1 LIMIT 1",
    )
    .bind(contacts_n * 4 / 5)
    .fetch_one(tx.conn())
    .await
    .context("deep cursor")?;
    let deep = records::get::<Contact>(&mut tx, deep_id).await?;
    for &sort in RecordSort::ALL {
        let first = ContactQuery {
            sort,
            ..Default::default()
        };
        measure!(
            format!("first page, sorted by {}", sort.label()),
            contacts::page(&mut tx, &first, 50).await?.len()
        );
        let later = ContactQuery {
            sort,
            after: Some(&deep),
            ..Default::default()
        };
        measure!(
            format!("page after a deep cursor, by {}", sort.label()),
            contacts::page(&mut tx, &later, 50).await?.len()
        );
    }
    let high = ContactQuery {
        priority: Some(Priority::High),
        ..Default::default()
    };
    measure!(
        "first page, priority high (none match: worst case)",
        contacts::page(&mut tx, &high, 50).await?.len()
    );
    drop(tx);
    owner.close().await;
    Ok(())
}

/// Prints the median and 95th percentile of the samples.
fn report(label: &str, samples: &mut [Duration], rows: usize) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (p50, p95) = (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 95 / 100]),
    );
    println!("{label:<44} {p50:>9.2} {p95:>9.2} {rows:>6}");
}
