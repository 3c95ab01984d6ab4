//! CSV import: Twenty's own export files come in with their links, a dry
//! run reports exactly what the import then does and changes nothing,
//! re-importing changes nothing, bad lines are reported while the rest
//! import, a failed batch rolls back alone, another client's ids never
//! reach its records, and the command line does the same with a progress
//! bar.

mod cockpit;

use redkey::import::Runner;
use redkey_data::{imports, pipeline, records, Actor, ClientId};
use redkey_testkit::TestDb;
use redkey_types::{
    import::{ImportStatus, Outcome, Tally},
    Company, Contact, Deal, Priority, Source, TableKind,
};
use uuid::Uuid;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/twenty");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

/// A pipeline with Twenty's default stages.
async fn twenty_pipeline(t: &TestDb, client: ClientId, user: Actor) {
    let mut tx = t.tx(client, user).await;
    let p = pipeline::create_pipeline(&mut tx, "Sales").await.unwrap();
    for (i, name) in ["New", "Screening", "Meeting", "Proposal", "Customer"]
        .iter()
        .enumerate()
    {
        pipeline::create_stage(&mut tx, p, name, 10 * i as i32, false, false)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Uploads `content` and runs a dry run (or, with `apply`, the import).
async fn run(
    t: &TestDb,
    client: ClientId,
    user: Actor,
    id: Uuid,
    apply: bool,
    runner: &Runner,
) -> Tally {
    let mut tx = t.tx(client, user).await;
    imports::start(&mut tx, id, apply).await.unwrap();
    tx.commit().await.unwrap();
    runner.run(&t.db, client, id, &|_, _| {}).await.unwrap()
}

async fn upload(t: &TestDb, client: ClientId, user: Actor, kind: TableKind, content: &str) -> Uuid {
    let mut tx = t.tx(client, user).await;
    let id = imports::create(&mut tx, kind, "file.csv", content)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn count(t: &TestDb, client: ClientId, view: &str) -> i64 {
    let mut tx = t.tx(client, Actor::Agent).await;
    sqlx::query_scalar(&format!("SELECT count(*) FROM {view}"))
        .fetch_one(tx.conn())
        .await
        .unwrap()
}

fn tally(created: i64, updated: i64, unchanged: i64, skipped: i64) -> Tally {
    Tally {
        created,
        updated,
        unchanged,
        skipped,
        failed: 0,
    }
}

#[tokio::test]
async fn twenty_exports_import_with_their_links_once() {
    let t = TestDb::new().await;
    let (alpha, _, me) = t.two_clients().await;
    twenty_pipeline(&t, alpha, me).await;
    let runner = Runner::default();
    let mut ids = Vec::new();
    for (kind, file) in [
        (TableKind::Companies, "companies.csv"),
        (TableKind::Contacts, "people.csv"),
        (TableKind::Deals, "opportunities.csv"),
    ] {
        let id = upload(&t, alpha, me, kind, &fixture(file)).await;
        // The dry run reports what the import will do, and changes nothing.
        let before = count(&t, alpha, kind_view(kind)).await;
        let checked = run(&t, alpha, me, id, false, &runner).await;
        assert_eq!(
            count(&t, alpha, kind_view(kind)).await,
            before,
            "{file}: the dry run kept nothing"
        );
        let imported = run(&t, alpha, me, id, true, &runner).await;
        assert_eq!(checked, imported, "{file}: the dry run foretold the import");
        ids.push((kind, id, imported));
    }
    assert_eq!(ids[0].2, tally(2, 0, 0, 0));
    // Line 4 of people.csv has an email that is not one; line 4 of
    // opportunities.csv an amount that is not one.
    assert_eq!(ids[1].2, tally(2, 0, 0, 1));
    assert_eq!(ids[2].2, tally(2, 0, 0, 1));
    let mut tx = t.tx(alpha, me).await;
    let report = imports::report(&mut tx, ids[1].1, 2, 50).await.unwrap();
    let bad = report
        .lines
        .iter()
        .find(|l| l.outcome == Outcome::Skipped)
        .unwrap();
    assert_eq!(bad.line, 4);
    assert!(
        bad.reason.as_deref().unwrap().contains("not-an-email"),
        "{bad:?}"
    );

    // The records keep Twenty's ids, so the links hold.
    let northwind: Company = records::get(
        &mut tx,
        "20202020-c21e-4ec2-873b-de4264d89025".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(northwind.domain.as_deref(), Some("northwind.example"));
    assert_eq!(northwind.city.as_deref(), Some("Bristol"));
    assert_eq!(
        northwind.employees,
        Some(120),
        "operational, written as arlo"
    );
    assert_eq!(
        northwind.linkedin_url.as_deref(),
        Some("https://www.linkedin.com/company/northwind")
    );
    assert!(northwind.ideal_customer_profile);
    assert_eq!(northwind.created_by_source, Source::Import);
    let christoph: Contact = records::get(
        &mut tx,
        "20202020-ac73-4797-824e-87a1f5aea9e0".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(christoph.company_id, Some(northwind.id));
    assert_eq!(christoph.phone.as_deref(), Some("+44 789012345"));
    assert_eq!(christoph.created_by_source, Source::Import);
    assert_eq!(
        christoph.linkedin_url.as_deref(),
        Some("https://www.linkedin.com/in/ccallisto")
    );
    // Operational columns are arlo's (strategic ones the uploader's: below).
    let roles: Vec<(String, String, Option<Uuid>)> = sqlx::query_as(
        "SELECT column_name, acting_role, user_id FROM crm_field_changes \
         WHERE row_id = $1 AND column_name = 'employees'",
    )
    .bind(northwind.id)
    .fetch_all(tx.conn())
    .await
    .unwrap();
    assert_eq!(
        roles,
        vec![("employees".into(), "redkey_agent".into(), None)]
    );
    let renewal: Deal = records::get(
        &mut tx,
        "20202020-be10-422b-a663-16bd3c2228e1".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(renewal.amount_micros, Some(120_000_500_000));
    assert_eq!(renewal.currency_code, "GBP");
    assert_eq!(
        renewal.close_date,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
    );
    assert_eq!(renewal.contact_id, Some(christoph.id));
    assert_eq!(renewal.company_id, Some(northwind.id));
    let stages = pipeline::stages(&mut tx).await.unwrap();
    let stage = stages
        .iter()
        .find(|s| s.stage_id == renewal.stage_id)
        .unwrap();
    assert_eq!(
        stage.stage_name, "Proposal",
        "Twenty's PROPOSAL is the stage Proposal"
    );
    drop(tx);

    // Importing the same files again changes nothing at all.
    let stamp = |t: &TestDb| {
        let owner = t.owner.clone();
        async move {
            sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
                "SELECT max(updated_at) FROM (SELECT updated_at FROM people UNION ALL \
                 SELECT updated_at FROM companies UNION ALL SELECT updated_at FROM opportunities) x",
            )
            .fetch_one(&owner)
            .await
            .unwrap()
        }
    };
    let before = stamp(&t).await;
    for (kind, id, first) in &ids {
        let again = run(&t, alpha, me, *id, true, &runner).await;
        let n = first.created + first.updated;
        assert_eq!(again, tally(0, 0, n, first.skipped), "{kind:?} again");
    }
    assert_eq!(stamp(&t).await, before, "no record was written");
    assert_eq!(count(&t, alpha, "crm_companies").await, 2);
}

fn kind_view(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Contacts => "crm_contacts",
        TableKind::Companies => "crm_companies",
        TableKind::Deals => "crm_deals",
    }
}

#[tokio::test]
async fn plain_files_link_people_to_companies_and_dedupe_by_email() {
    let t = TestDb::new().await;
    let (alpha, _, me) = t.two_clients().await;
    let runner = Runner::default();
    let companies = "Company,Website,Priority\nAcme,https://www.acme.example/,High\nGlobex,globex.example,nope\n";
    let id = upload(&t, alpha, me, TableKind::Companies, companies).await;
    assert_eq!(
        run(&t, alpha, me, id, true, &runner).await,
        tally(1, 0, 0, 1)
    );
    let people = "Full name,Email,Company\n\
        Ada Lovelace,ada@acme.example,\n\
        Ada Lovelace,ADA@acme.example,Acme\n\
        Grace Hopper,grace@initech.example,Initech\n\
        Alan Turing,,Acme\n";
    let id = upload(&t, alpha, me, TableKind::Contacts, people).await;
    // Ada twice: created, then the same person (email, any case): linked
    // already by her email's domain, so unchanged. Initech is created.
    assert_eq!(
        run(&t, alpha, me, id, true, &runner).await,
        tally(3, 0, 1, 0)
    );
    assert_eq!(count(&t, alpha, "crm_contacts").await, 3);
    let mut tx = t.tx(alpha, me).await;
    let acme: (Uuid, Option<Priority>) =
        sqlx::query_as("SELECT id, priority FROM crm_companies WHERE name = 'Acme'")
            .fetch_one(tx.conn())
            .await
            .unwrap();
    assert_eq!(
        acme.1,
        Some(Priority::High),
        "a strategic column, set as the uploader"
    );
    let linked: i64 = sqlx::query_scalar("SELECT count(*) FROM crm_contacts WHERE company_id = $1")
        .bind(acme.0)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(linked, 2, "Ada by her email's domain, Alan by name");
    let initech: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM crm_companies WHERE name = 'Initech' AND created_by_source = 'IMPORT'",
    )
    .fetch_one(tx.conn())
    .await
    .unwrap();
    assert_eq!(initech, 1);
    // The audit trail names the person who uploaded the file.
    let by: Option<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM crm_field_changes WHERE column_name = 'priority' LIMIT 1",
    )
    .fetch_one(tx.conn())
    .await
    .unwrap();
    assert_eq!(Actor::User(by.unwrap()), me);
    drop(tx);
    // Again: nothing changes (Alan has no email: found by name and company).
    assert_eq!(
        run(&t, alpha, me, id, true, &runner).await,
        tally(0, 0, 4, 0)
    );
}

#[tokio::test]
async fn a_failed_batch_rolls_back_alone_and_the_rest_imports() {
    let t = TestDb::new().await;
    let (alpha, _, me) = t.two_clients().await;
    let mut lines = String::from("Email,First name\n");
    for i in 0..9 {
        lines.push_str(&format!("p{i}@x.example,Person {i}\n"));
    }
    // Person 4 exists and is held by another transaction: the batch with
    // lines 5-7 waits past its lock timeout.
    let mut tx = t.tx(alpha, me).await;
    let held = redkey_data::contacts::upsert_by_email(
        &mut tx,
        &redkey_types::EmailAddress::parse("p4@x.example").unwrap(),
        vec![redkey_data::contacts::ContactField::FirstName("Old".into())],
        Source::Manual,
    )
    .await
    .unwrap()
    .0;
    tx.commit().await.unwrap();
    let mut holder = t.owner.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM people WHERE id = $1 FOR UPDATE")
        .bind(held.id)
        .execute(&mut *holder)
        .await
        .unwrap();
    let id = upload(&t, alpha, me, TableKind::Contacts, &lines).await;
    let runner = Runner {
        batch: 3,
        lock_timeout: std::time::Duration::from_millis(200),
    };
    let got = run(&t, alpha, me, id, true, &runner).await;
    assert_eq!((got.created, got.failed), (6, 3), "{got:?}");
    let mut tx = t.tx(alpha, me).await;
    let report = imports::report(&mut tx, id, 1, 50).await.unwrap();
    let failed: Vec<i32> = report
        .lines
        .iter()
        .filter(|l| l.outcome == Outcome::Failed)
        .map(|l| l.line)
        .collect();
    assert_eq!(failed, vec![5, 6, 7]);
    let first_failed = report
        .lines
        .iter()
        .find(|l| l.outcome == Outcome::Failed)
        .unwrap();
    assert!(
        first_failed
            .reason
            .as_deref()
            .unwrap()
            .contains("lines 5–7 was rolled back"),
        "{first_failed:?}"
    );
    let names: Vec<String> =
        sqlx::query_scalar("SELECT first_name FROM crm_contacts ORDER BY email")
            .fetch_all(tx.conn())
            .await
            .unwrap();
    drop(tx);
    assert_eq!(
        names.len(),
        7,
        "batches one and three, and the held contact"
    );
    assert!(!names.contains(&"Person 3".to_string()) && !names.contains(&"Person 5".to_string()));
    holder.rollback().await.unwrap();
    // Run again: the failed batch's lines import, the rest are unchanged.
    let again = run(&t, alpha, me, id, true, &runner).await;
    assert_eq!(again, tally(2, 1, 6, 0));
}

#[tokio::test]
async fn another_clients_ids_and_imports_stay_out_of_reach() {
    let t = TestDb::new().await;
    let (alpha, beta, me) = t.two_clients().await;
    let mut tx = t.tx(beta, me).await;
    let theirs: Company = records::create(
        &mut tx,
        vec![redkey_data::companies::CompanyField::Name("Beta Co".into())],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // A file naming beta's company id, imported into alpha.
    let file = format!("Id,Name\n{},Renamed\n", theirs.id);
    let id = upload(&t, alpha, me, TableKind::Companies, &file).await;
    assert_eq!(
        run(&t, alpha, me, id, true, &Runner::default()).await,
        tally(1, 0, 0, 0)
    );
    let mut tx = t.tx(beta, me).await;
    let still: Company = records::get(&mut tx, theirs.id).await.unwrap();
    assert_eq!(still.name, "Beta Co", "beta's record untouched");
    // Alpha's import is not beta's to read or run.
    assert!(matches!(
        imports::get(&mut tx, id).await,
        Err(redkey_data::DbError::NotFound)
    ));
    assert!(imports::start(&mut tx, id, true).await.is_err());
    drop(tx);
    let mut tx = t.tx(alpha, me).await;
    let mine: Vec<(Uuid, String)> = sqlx::query_as("SELECT id, name FROM crm_companies")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_ne!(mine[0].0, theirs.id, "the taken id was not reused");
    assert_eq!(
        imports::get(&mut tx, id).await.unwrap().status,
        ImportStatus::Imported
    );
}

/// A deal found again moves within its own pipeline when the file names a
/// stage but no pipeline (not into the client's first pipeline).
#[tokio::test]
async fn a_stage_without_a_pipeline_is_the_deals_own_pipelines() {
    let t = TestDb::new().await;
    let (alpha, _, me) = t.two_clients().await;
    twenty_pipeline(&t, alpha, me).await;
    let mut tx = t.tx(alpha, me).await;
    let partners = pipeline::create_pipeline(&mut tx, "Partners")
        .await
        .unwrap();
    let talks = pipeline::create_stage(&mut tx, partners, "Talks", 20, false, false)
        .await
        .unwrap();
    let signed = pipeline::create_stage(&mut tx, partners, "Signed", 100, true, false)
        .await
        .unwrap();
    let d: Deal = records::create(
        &mut tx,
        vec![
            redkey_data::deals::DealField::Name("Reseller".into()),
            redkey_data::deals::DealField::Pipeline(partners),
            redkey_data::deals::DealField::Stage(talks),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let id = upload(
        &t,
        alpha,
        me,
        TableKind::Deals,
        "Name,Stage\nReseller,Signed\n",
    )
    .await;
    let runner = Runner::default();
    assert_eq!(
        run(&t, alpha, me, id, true, &runner).await,
        tally(0, 1, 0, 0)
    );
    let mut tx = t.tx(alpha, me).await;
    let now: Deal = records::get(&mut tx, d.id).await.unwrap();
    assert_eq!((now.pipeline_id, now.stage_id), (partners, signed));
}
