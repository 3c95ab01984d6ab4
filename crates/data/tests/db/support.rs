//! Records the tests start from.

use redkey_data::records;
use redkey_data::{contacts::ContactField, deals::DealField, pipeline, Actor, ClientId, Tx};
use redkey_testkit::TestDb;
use redkey_types::EmailAddress;
use uuid::Uuid;

pub fn email(s: &str) -> Option<EmailAddress> {
    Some(EmailAddress::parse(s).unwrap())
}

pub async fn new_contact(t: &TestDb, client: ClientId, actor: Actor, first: &str) -> Uuid {
    let mut tx = t.tx(client, actor).await;
    let c = records::create(
        &mut tx,
        vec![
            ContactField::FirstName(first.into()),
            ContactField::LastName("Tester".into()),
            ContactField::Email(email(&format!("{}@example.test", first.to_lowercase()))),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    c.id
}

/// A pipeline with three stages and `n` deals in the first stage.
pub async fn board(tx: &mut Tx, n: usize) -> (Uuid, Vec<Uuid>, Vec<Uuid>) {
    let p = pipeline::create_pipeline(tx, "Sales").await.unwrap();
    let mut stages = vec![];
    for (name, prob) in [("Lead", 10), ("Proposal", 50), ("Won", 100)] {
        stages.push(
            pipeline::create_stage(tx, p, name, prob, name == "Won", false)
                .await
                .unwrap(),
        );
    }
    let mut ds = vec![];
    for i in 0..n {
        let d = records::create(
            tx,
            vec![
                DealField::Name(format!("Deal {i}")),
                DealField::Pipeline(p),
                DealField::Stage(stages[0]),
                DealField::AmountMicros(Some(1_000_000 * (i as i64 + 1))),
            ],
        )
        .await
        .unwrap();
        ds.push(d.id);
    }
    (p, stages, ds)
}

pub async fn positions(tx: &mut Tx, stage: Uuid) -> Vec<(Uuid, f64)> {
    sqlx::query_as("SELECT id, position FROM crm_deals WHERE stage_id = $1 ORDER BY position")
        .bind(stage)
        .fetch_all(tx.conn())
        .await
        .unwrap()
}
