//! A record page reads the rows it shows by index: a company's or a
//! contact's deals, not every deal of the client.

use redkey_data::sequences;
use redkey_testkit::{over_twenty, TestDb};
use uuid::Uuid;

use crate::support::{new_contact, pipeline_with, sequence};

#[tokio::test]
async fn a_companys_and_a_contacts_deals_are_walked_by_index() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    // Both clients (over Twenty, each workspace's table is read).
    for client in [alpha, beta] {
        let mut tx = t.tx(client, human).await;
        let (p, stages) = pipeline_with(&mut tx, "Sales", &[("Lead", 10, false, false)]).await;
        sqlx::query(
            "INSERT INTO crm_deals (name, pipeline_id, stage_id) \
             SELECT 'Deal ' || i, $1, $2 FROM generate_series(1, 2000) i",
        )
        .bind(p)
        .bind(stages[0])
        .execute(tx.conn())
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // Over Twenty the deals are Twenty's table, with the adapter's indexes.
    sqlx::raw_sql("ANALYZE").execute(&t.owner).await.unwrap();
    let indexes = if over_twenty() {
        [
            "redkey_opportunity_company_id_created_at_order",
            "redkey_opportunity_contact_id_created_at_order",
        ]
    } else {
        ["opportunities_company", "opportunities_contact"]
    };
    let mut tx = t.tx(alpha, human).await;
    for (column, index) in ["company_id", "contact_id"].into_iter().zip(indexes) {
        let plan: Vec<String> = sqlx::query_scalar(&format!(
            "EXPLAIN SELECT id FROM crm_deals WHERE {column} = '{}' ORDER BY created_at DESC",
            Uuid::new_v4()
        ))
        .fetch_all(tx.conn())
        .await
        .unwrap();
        let plan = plan.join("\n");
        // Over Twenty the view is a union of the workspaces' tables, whose
        // few rows are then sorted; on the main tables the index is the order.
        assert!(
            plan.contains(index)
                && !plan.contains("Seq Scan")
                && (over_twenty() || !plan.contains("Sort")),
            "{plan}"
        );
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_contacts_enrollments_come_with_their_sequences_name_and_length_newest_first() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let ann = new_contact(&t, a, human, "Ann").await;
    let ben = new_contact(&t, a, human, "Ben").await;
    let mut tx = t.tx(a, human).await;
    let mut made = vec![];
    for (name, steps) in [("Intro", 1), ("Follow-up", 3)] {
        let seq = sequences::create(&mut tx, &sequence(name, steps))
            .await
            .unwrap();
        made.push(seq.id);
    }
    for (i, seq) in made.iter().enumerate() {
        sequences::enroll(&mut tx, *seq, ann).await.unwrap();
        // Ben is in the first only: another contact's enrollment stays off Ann's page.
        if i == 0 {
            sequences::enroll(&mut tx, *seq, ben).await.unwrap();
        }
        // Enrolled apart, so newest first has one order.
        tx.commit().await.unwrap();
        tx = t.tx(a, human).await;
    }
    let shown: Vec<(String, i32, Uuid)> = sequences::enrollments_of_contact(&mut tx, ann)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.sequence_name, v.steps, v.enrollment.contact_id))
        .collect();
    assert_eq!(
        shown,
        [
            ("Follow-up".to_string(), 3, ann),
            ("Intro".to_string(), 1, ann)
        ]
    );
    let names = sequences::names(&mut tx).await.unwrap();
    assert_eq!(
        names.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(),
        ["Follow-up", "Intro"]
    );
}
