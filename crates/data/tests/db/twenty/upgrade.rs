//! The upgrade hooks around a Twenty upgrade.

use redkey_data::{contacts::ContactField, records, twenty, DbError};
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached, stage_totals};

#[tokio::test]
async fn the_upgrade_hooks_survive_a_renamed_column_and_a_changed_type() {
    let (t, a, human) = attached().await;
    as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"jobTitle\", city) VALUES ('Ann', 'CTO', 'Oslo');
         INSERT INTO workspace_a.opportunity (name, \"amountAmountMicros\", stage) VALUES ('Pilot', 2000000, 'MEETING');",
    )
    .await;
    // Without the hook, the views pin the column's type.
    let pinned = sqlx::raw_sql("ALTER TABLE workspace_a.person ALTER COLUMN city TYPE text")
        .execute(&t.owner)
        .await
        .unwrap_err();
    assert_eq!(
        pinned.as_database_error().unwrap().code().as_deref(),
        Some("0A000")
    );

    assert_eq!(twenty::before_upgrade(&t.owner).await.unwrap(), 1);
    // "The upgrade": a rename, two type changes, and a new stage option.
    sqlx::raw_sql(
        "ALTER TABLE workspace_a.person ALTER COLUMN city TYPE text;
         ALTER TABLE workspace_a.person RENAME COLUMN \"jobTitle\" TO \"jobPosition\";
         ALTER TABLE workspace_a.opportunity ALTER COLUMN \"amountAmountMicros\" TYPE bigint;
         ALTER TYPE workspace_a.opportunity_stage_enum ADD VALUE 'NEGOTIATION' BEFORE 'CUSTOMER';",
    )
    .execute(&t.owner)
    .await
    .unwrap();
    // As if an older adapter, which did not map tasks, had attached it.
    sqlx::raw_sql("REVOKE ALL ON workspace_a.task FROM redkey_owner")
        .execute(&t.owner)
        .await
        .unwrap();
    let report = twenty::after_upgrade(&t.owner).await.unwrap();
    assert_eq!(report.missing, ["workspace_a.person.jobTitle"]);
    let mut tx = t.tx(a, human).await;
    let todos: i64 = sqlx::query_scalar("SELECT count(*) FROM crm_todos")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(todos, 0, "tasks are granted again");
    tx.commit().await.unwrap();
    assert_eq!(report.attached, 1);

    let mut tx = t.tx(a, human).await;
    let (job, city): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT job_title, city FROM crm_contacts")
            .fetch_one(tx.conn())
            .await
            .unwrap();
    assert_eq!((job, city.as_deref()), (None, Some("Oslo")));
    tx.commit().await.unwrap();
    let totals = stage_totals(&t, a, human).await;
    assert_eq!(totals[2], ("Meeting".into(), 1, 2));
    assert!(totals.iter().any(|s| s.0 == "Negotiation"));
    // Writes still land; the column that is gone is refused, not lost.
    let mut tx = t.tx(a, human).await;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM crm_contacts")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let refused = records::update(
        &mut tx,
        id,
        vec![ContactField::JobTitle(Some("CEO".into()))],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&refused, DbError::Conflict(m) if m.contains("person.jobTitle")),
        "{refused:?}"
    );
    tx.rollback().await.unwrap();
    let mut tx = t.tx(a, human).await;
    records::update(&mut tx, id, vec![ContactField::City(Some("Bergen".into()))])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(&t, "SELECT city, \"jobPosition\" FROM workspace_a.person").await;
    assert_eq!(rows[0].get::<String, _>(0), "Bergen");
    assert_eq!(rows[0].get::<String, _>(1), "CTO");
}
