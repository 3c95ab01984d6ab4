//! `redkey bench-import`: how fast a CSV import runs, through the real
//! runner (batches, a savepoint per line, lookups, the audit trigger): a
//! file of contacts, each with a company (one company per ten people), as
//! a dry run, the import, and the same file again (every line unchanged).

use std::time::Instant;

use redkey_data::{imports, Actor, ClientId, Db};
use redkey_types::{import::Tally, TableKind};
use uuid::Uuid;

use crate::{admin, config::DatabaseUrl, import::Runner};

pub async fn run(server: &DatabaseUrl, rows: usize) -> anyhow::Result<()> {
    let (owner, db) = super::fresh_database(server, "redkey_bench_import", 8).await?;
    let client = ClientId(admin::create_client(&owner, "bench", "Bench").await?);
    let email =
        redkey_types::EmailAddress::parse("bench@bench.test").map_err(anyhow::Error::msg)?;
    let user = admin::upsert_user(
        &owner,
        &email,
        "Bench",
        "a bench password",
        &["bench".into()],
        true,
    )
    .await?;
    let mut csv =
        String::from("First name,Last name,Email,Job title,Company,Company domain,Priority\n");
    for i in 0..rows {
        let c = i / 10;
        csv.push_str(&format!(
            "First{i},Last{i},person{i}@company{c}.example,Engineer,Company {c},company{c}.example,{}\n",
            ["low", "medium", "high"][i % 3]
        ));
    }
    let mut tx = db.begin(client, Actor::User(user)).await?;
    let id = imports::create(&mut tx, TableKind::Contacts, "bench.csv", &csv).await?;
    tx.commit().await?;
    println!("{rows} lines, {} KiB", csv.len() >> 10);
    for (label, apply) in [("dry run", false), ("import", true), ("again", true)] {
        let (tally, secs) = timed(&db, client, user, id, apply, label).await?;
        println!(
            "{label:>8}: {:>7.2} s, {:>6.0} lines/s  (created {}, updated {}, unchanged {}, skipped {}, failed {})",
            secs,
            rows as f64 / secs,
            tally.created,
            tally.updated,
            tally.unchanged,
            tally.skipped,
            tally.failed
        );
    }
    Ok(())
}

async fn timed(
    db: &Db,
    client: ClientId,
    user: Uuid,
    id: Uuid,
    apply: bool,
    label: &str,
) -> anyhow::Result<(Tally, f64)> {
    let mut tx = db.begin(client, Actor::User(user)).await?;
    imports::start(&mut tx, id, apply).await?;
    tx.commit().await?;
    let started = Instant::now();
    let tally = Runner::default()
        .run_with_bar(db, client, id, label)
        .await?;
    Ok((tally, started.elapsed().as_secs_f64()))
}
