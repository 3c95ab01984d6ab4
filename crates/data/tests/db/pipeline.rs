//! The pipeline view and moving deals.

use redkey_data::{
    deals::{self, DealField},
    pipeline, Actor, DbError,
};
use redkey_testkit::TestDb;
use uuid::Uuid;

use crate::support::{board, from_elsewhere, positions};
use redkey_data::records;
use redkey_types::Deal;

#[tokio::test]
async fn the_pipeline_view_is_read_only_and_totals_deals() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let (_, stages, _) = board(&mut tx, 3).await;
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    let view = pipeline::stages(&mut tx).await.unwrap();
    assert_eq!(view.len(), 3);
    assert_eq!(
        (view[0].stage_id, view[0].deal_count, view[0].amount_units),
        (stages[0], 3, 6)
    );
    // 10 % of 6 units, rounded.
    assert_eq!(view[0].weighted_units, 1);
    for sql in [
        "UPDATE crm_pipeline SET stage_name = 'Hacked'",
        "DELETE FROM crm_pipeline",
        "INSERT INTO crm_pipeline (stage_name) VALUES ('x')",
    ] {
        let mut tx = t.tx(a, human).await;
        let err = sqlx::query(sql).execute(tx.conn()).await.unwrap_err();
        // Refused either as not updatable (55000) or for privilege (42501).
        let code = err.as_database_error().unwrap().code().unwrap().to_string();
        assert!(code == "42501" || code == "55000", "{sql}: {code}");
    }
    // A deal's stage is not writable directly, by anyone.
    for actor in [human, Actor::Agent] {
        let mut tx = t.tx(a, actor).await;
        let err = sqlx::query("UPDATE crm_deals SET stage_id = $1")
            .bind(stages[1])
            .execute(tx.conn())
            .await
            .unwrap_err();
        assert_eq!(err.as_database_error().unwrap().code().unwrap(), "42501");
    }
}

#[tokio::test]
async fn moving_a_deal_reorders_both_columns_and_is_human_only() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let (_, stages, ds) = board(&mut tx, 4).await;
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    deals::move_to(&mut tx, ds[3], stages[0], 0).await.unwrap();
    let order: Vec<Uuid> = positions(&mut tx, stages[0])
        .await
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(order, vec![ds[3], ds[0], ds[1], ds[2]]);
    let before = records::get::<Deal>(&mut tx, ds[1])
        .await
        .unwrap()
        .stage_changed_at;
    deals::move_to(&mut tx, ds[1], stages[1], 5).await.unwrap();
    assert_eq!(
        positions(&mut tx, stages[0]).await,
        vec![(ds[3], 0.0), (ds[0], 1.0), (ds[2], 2.0)]
    );
    assert_eq!(positions(&mut tx, stages[1]).await, vec![(ds[1], 0.0)]);
    let moved = records::get::<Deal>(&mut tx, ds[1]).await.unwrap();
    assert_eq!(moved.stage_id, stages[1]);
    assert!(moved.stage_changed_at >= before);
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, Actor::Agent).await;
    let r = deals::move_to(&mut tx, ds[0], stages[2], 0).await;
    assert!(matches!(r, Err(DbError::Forbidden(_))), "{r:?}");
}

#[tokio::test]
async fn deals_at_the_maximum_in_a_won_stage_keep_the_totals_whole() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let (p, stages, _) = board(&mut tx, 0).await;
    let max_micros = redkey_types::MAX_DEAL_AMOUNT * 1_000_000;
    for i in 0..12 {
        records::create(
            &mut tx,
            vec![
                DealField::Name(format!("Huge {i}")),
                DealField::Pipeline(p),
                DealField::Stage(stages[2]),
                DealField::AmountMicros(Some(max_micros)),
            ],
        )
        .await
        .unwrap();
    }
    // Twelve maximal deals pass bigint in micros; the totals do not fail.
    let view = pipeline::stages(&mut tx).await.unwrap();
    let won = view.iter().find(|s| s.stage_id == stages[2]).unwrap();
    assert_eq!(won.amount_units, 12 * redkey_types::MAX_DEAL_AMOUNT);
    assert_eq!(won.weighted_units, won.amount_units);
    let over = records::create(
        &mut tx,
        vec![
            DealField::Name("Too big".into()),
            DealField::Pipeline(p),
            DealField::Stage(stages[2]),
            DealField::AmountMicros(Some(max_micros + 1)),
        ],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&over, DbError::Invalid(m) if m.contains("at most")),
        "{over:?}"
    );
}

/// The board's totals are kept by a trigger: after many concurrent moves,
/// amount changes, archivals and restores — and a row written straight to
/// the table by another application — they equal a fresh count.
#[tokio::test]
async fn kept_stage_totals_stay_exact_under_concurrent_writes() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let (_, stages, deals_) = board(&mut tx, 24).await;
    tx.commit().await.unwrap();
    let mut workers = vec![];
    for w in 0..4usize {
        let (db, stages, deals_) = (t.db.clone(), stages.clone(), deals_.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..6usize {
                let deal = deals_[(w * 7 + i * 5) % deals_.len()];
                let stage = stages[(w + i) % stages.len()];
                let mut tx = db.begin(a, human).await.unwrap();
                let done = match i % 5 {
                    0..=2 => deals::move_to(&mut tx, deal, stage, 0).await.map(|_| ()),
                    3 => records::update(
                        &mut tx,
                        deal,
                        vec![DealField::AmountMicros(Some(
                            (w * 1000 + i) as i64 * 1_000_000,
                        ))],
                    )
                    .await
                    .map(|_| ()),
                    _ => {
                        redkey_data::audit::archive(&mut tx, redkey_data::audit::Kind::Deal, deal)
                            .await
                    }
                };
                // A deal archived by another worker is not found: fine.
                if done.is_ok() {
                    tx.commit().await.unwrap();
                }
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    // Some come back; another application writes a deal straight into the
    // table, with no client chosen.
    let mut tx = t.tx(a, human).await;
    for d in deals_.iter().take(5) {
        let _ = redkey_data::audit::restore(&mut tx, redkey_data::audit::Kind::Deal, *d).await;
    }
    tx.commit().await.unwrap();
    from_elsewhere(&t, a, human, stages[1]).await;
    // What the deals are, counted now, against the totals kept all along.
    let mut tx = t.tx(a, human).await;
    let fresh: Vec<(Uuid, i64, i64)> = sqlx::query_as(
        "SELECT stage_id, count(*), round(coalesce(sum(amount_micros::numeric), 0) / 1000000)::bigint \
         FROM crm_deals GROUP BY stage_id",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    let kept = pipeline::stages(&mut tx).await.unwrap();
    assert_eq!(kept.len(), 3);
    for s in kept {
        let (count, units) = fresh
            .iter()
            .find(|f| f.0 == s.stage_id)
            .map_or((0, 0), |f| (f.1, f.2));
        assert_eq!(
            (s.deal_count, s.amount_units),
            (count, units),
            "{}",
            s.stage_name
        );
    }
}
