//! Twenty's Timeline tab over what the cockpit changes: the adapter writes
//! the events Twenty's app would have (created, updated with the diff by
//! Twenty's fields, deleted, restored); Twenty's own changes and board
//! reorders add none.

use redkey_data::{
    audit::{self, Kind},
    companies::CompanyField,
    contacts::ContactField,
    deals, records,
};
use redkey_types::{Company, Contact};
use serde_json::{json, Value};
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached};

async fn events(t: &redkey_testkit::TestDb) -> Vec<(String, Value)> {
    as_twenty(
        t,
        "SELECT name, properties FROM workspace_a.\"timelineActivity\" ORDER BY \"createdAt\", name",
    )
    .await
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

#[tokio::test]
async fn the_cockpits_changes_are_on_twentys_timeline_as_twentys_app_writes_them() {
    let (t, a, human) = attached().await;
    let mut tx = t.tx(a, human).await;
    let acme: Company = records::create(&mut tx, vec![CompanyField::Name("Acme".into())])
        .await
        .unwrap();
    let ada: Contact = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Ada".into()),
            ContactField::LastName("Lovelace".into()),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let created = events(&t).await;
    assert_eq!(
        created.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["company.created", "person.created"]
    );
    assert_eq!(created[0].1["after"]["name"], "Acme");
    assert_eq!(created[1].1["after"]["name"]["firstName"], "Ada");

    // A rename and a job title: one event, the changed fields only.
    let mut tx = t.tx(a, human).await;
    let _: Contact = records::update(
        &mut tx,
        ada.id,
        vec![
            ContactField::LastName("King".into()),
            ContactField::JobTitle(Some("Countess".into())),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (name, props) = events(&t).await.pop().unwrap();
    assert_eq!(name, "person.updated");
    assert_eq!(
        props["diff"],
        json!({
            "name": {"before": {"firstName": "Ada", "lastName": "Lovelace"},
                     "after": {"firstName": "Ada", "lastName": "King"}},
            "jobTitle": {"before": "", "after": "Countess"}
        })
    );

    // Twenty's app makes a deal (its own event is Twenty's to write); the
    // board moves it (a stage event) and reorders it (none).
    let deal: Uuid = as_twenty(
        &t,
        "INSERT INTO workspace_a.opportunity (name, stage) VALUES ('Engine', 'NEW') RETURNING id;",
    )
    .await[0]
        .get(0);
    let before = events(&t).await.len();
    let mut tx = t.tx(a, human).await;
    let stages: Vec<Uuid> =
        sqlx::query_scalar("SELECT stage_id FROM crm_pipeline ORDER BY stage_position")
            .fetch_all(tx.conn())
            .await
            .unwrap();
    deals::move_to(&mut tx, deal, stages[2], 0).await.unwrap();
    tx.commit().await.unwrap();
    let moved = events(&t).await;
    assert_eq!(moved.len(), before + 1);
    assert_eq!(moved[before].0, "opportunity.updated");
    assert_eq!(
        moved[before].1["diff"],
        json!({"stage": {"before": "NEW", "after": "MEETING"}})
    );
    let mut tx = t.tx(a, human).await;
    deals::move_to(&mut tx, deal, stages[2], 0).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(events(&t).await.len(), before + 1, "a reorder is no event");

    // Archived and restored in the cockpit.
    let mut tx = t.tx(a, human).await;
    audit::archive(&mut tx, Kind::Company, acme.id)
        .await
        .unwrap();
    audit::restore(&mut tx, Kind::Company, acme.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let last: Vec<String> = events(&t)
        .await
        .into_iter()
        .rev()
        .take(2)
        .map(|e| e.0)
        .collect();
    assert_eq!(last, ["company.restored", "company.deleted"]);
    let linked: i64 = as_twenty(
        &t,
        &format!(
            "SELECT count(*) FROM workspace_a.\"timelineActivity\" WHERE \"companyId\" = '{}'",
            acme.id
        ),
    )
    .await[0]
        .get(0);
    assert_eq!(linked, 3);
}
