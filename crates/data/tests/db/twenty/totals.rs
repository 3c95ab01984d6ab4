//! The board over Twenty's rows: what Twenty's own app writes moves the
//! kept totals, the cockpit's moves land in Twenty's stage column, and the
//! totals stay exact under concurrent writes from both sides.

use redkey_data::{deals, records};
use redkey_types::Contact;
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached, stage_totals};

#[tokio::test]
async fn a_row_twenty_writes_appears_in_the_cockpit_and_moves_the_totals() {
    let (t, a, human) = attached().await;
    assert!(stage_totals(&t, a, human).await.iter().all(|s| s.1 == 0));
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.company (name) VALUES ('Globex') RETURNING id;
         INSERT INTO workspace_a.person (\"nameFirstName\", \"nameLastName\", \"emailsPrimaryEmail\", \"companyId\")
           SELECT 'Hank', 'Scorpio', 'hank@globex.test', id FROM workspace_a.company RETURNING id;
         INSERT INTO workspace_a.opportunity (name, \"amountAmountMicros\", \"amountCurrencyCode\", stage, \"pointOfContactId\")
           SELECT 'Doomsday device', 5000000000, 'USD', 'SCREENING', id FROM workspace_a.person RETURNING id;",
    )
    .await;
    let person: Uuid = rows[1].get(0);
    let deal: Uuid = rows[2].get(0);

    let mut tx = t.tx(a, human).await;
    let c: Contact = records::get(&mut tx, person).await.unwrap();
    assert_eq!(
        (c.first_name.as_str(), c.last_name.as_str()),
        ("Hank", "Scorpio")
    );
    assert_eq!(c.email.as_deref(), Some("hank@globex.test"));
    assert_eq!(c.job_title, None, "Twenty's '' is no job title");
    let (stage, company): (Uuid, String) = sqlx::query_as(
        "SELECT d.stage_id, co.name FROM crm_deals d JOIN crm_companies co ON true WHERE d.id = $1",
    )
    .bind(deal)
    .fetch_one(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(company, "Globex");
    let totals = stage_totals(&t, a, human).await;
    assert_eq!(totals[1], ("Screening".into(), 1, 5000));

    // Twenty moves it, then soft-deletes it: the totals follow.
    as_twenty(&t, "UPDATE workspace_a.opportunity SET stage = 'PROPOSAL', \"amountAmountMicros\" = 7000000000").await;
    let totals = stage_totals(&t, a, human).await;
    assert_eq!(
        (totals[1].1, totals[3].clone()),
        (0, ("Proposal".into(), 1, 7000))
    );
    let mut tx = t.tx(a, human).await;
    let moved: Uuid = sqlx::query_scalar("SELECT stage_id FROM crm_deals WHERE id = $1")
        .bind(deal)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_ne!(moved, stage);
    as_twenty(
        &t,
        "UPDATE workspace_a.opportunity SET \"deletedAt\" = now()",
    )
    .await;
    assert!(stage_totals(&t, a, human)
        .await
        .iter()
        .all(|s| s.1 == 0 && s.2 == 0));

    // The cockpit's own move lands in Twenty's stage column.
    as_twenty(
        &t,
        "UPDATE workspace_a.opportunity SET \"deletedAt\" = NULL",
    )
    .await;
    let mut tx = t.tx(a, human).await;
    deals::move_to(&mut tx, deal, stage, 0).await.unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(&t, "SELECT stage::text FROM workspace_a.opportunity").await;
    assert_eq!(rows[0].get::<String, _>(0), "SCREENING");
    assert_eq!(stage_totals(&t, a, human).await[1].1, 1);
}

/// The kept totals equal a fresh count of Twenty's rows after the cockpit
/// and Twenty's own connection move, re-price and delete deals at once.
#[tokio::test]
async fn totals_over_twenty_stay_exact_under_concurrent_writes() {
    let (t, a, human) = attached().await;
    as_twenty(
        &t,
        "INSERT INTO workspace_a.opportunity (name, \"amountAmountMicros\", stage)
         SELECT 'Deal ' || i, i * 1000000, 'NEW' FROM generate_series(1, 24) i",
    )
    .await;
    let mut tx = t.tx(a, human).await;
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM crm_deals ORDER BY name")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    let stages: Vec<Uuid> =
        sqlx::query_scalar("SELECT stage_id FROM crm_pipeline ORDER BY stage_position")
            .fetch_all(tx.conn())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((ids.len(), stages.len()), (24, 5));
    let labels = ["NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"];
    let mut workers = vec![];
    for w in 0..4usize {
        let (db, owner, stages, ids) = (t.db.clone(), t.owner.clone(), stages.clone(), ids.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..8usize {
                let deal = ids[(w * 7 + i * 5) % ids.len()];
                let s = (w + i) % stages.len();
                if w % 2 == 0 {
                    let mut tx = db.begin(a, human).await.unwrap();
                    let done = if i % 3 == 2 {
                        records::update(
                            &mut tx,
                            deal,
                            vec![redkey_data::deals::DealField::AmountMicros(Some(
                                (w * 100 + i) as i64 * 1_000_000,
                            ))],
                        )
                        .await
                        .map(|_| ())
                    } else {
                        deals::move_to(&mut tx, deal, stages[s], 0).await
                    };
                    // A deal Twenty deleted meanwhile is not found: fine.
                    if done.is_ok() {
                        tx.commit().await.unwrap();
                    }
                } else {
                    let sql = match i % 3 {
                        0 => format!("UPDATE workspace_a.opportunity SET stage = '{}' WHERE id = '{deal}'", labels[s]),
                        1 => format!("UPDATE workspace_a.opportunity SET \"amountAmountMicros\" = {} WHERE id = '{deal}'", (w * 10 + i) * 1_000_000),
                        _ => format!("UPDATE workspace_a.opportunity SET \"deletedAt\" = CASE WHEN \"deletedAt\" IS NULL THEN now() END WHERE id = '{deal}'"),
                    };
                    // One implicit transaction as Twenty's role; what
                    // deadlocks against the cockpit is Twenty's to retry.
                    let sql = format!("SET LOCAL ROLE twenty_app; {sql}");
                    let _ = sqlx::raw_sql(&sql).execute(&owner).await;
                }
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let fresh: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT initcap(l.label), count(o.id), round(coalesce(sum(o.\"amountAmountMicros\"), 0) / 1000000)::bigint \
         FROM unnest(enum_range(NULL::workspace_a.opportunity_stage_enum)::text[]) WITH ORDINALITY l(label, n) \
         LEFT JOIN workspace_a.opportunity o ON o.stage::text = l.label AND o.\"deletedAt\" IS NULL \
         GROUP BY l.label, l.n ORDER BY l.n",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    assert_eq!(stage_totals(&t, a, human).await, fresh);
}
