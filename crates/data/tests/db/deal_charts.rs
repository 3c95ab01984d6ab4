//! Today's deal charts read numbers kept by row triggers on the deals
//! tables: the won and lost history a row per deal now in a won or lost
//! stage, the forecast a count and sum per stage and close month. They
//! must equal what the deals and the audit trail say — the stage's
//! outcome, the amount, the last stage move's time, the close month —
//! after concurrent moves, new amounts and close dates, the trash and
//! back, another application's rows, and a stage whose outcome changes in
//! Settings. The history's counts per month and outcome, kept from those
//! rows in the client's time zone, must equal a fresh count of them, also
//! after the zone changes.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use redkey_data::{
    audit,
    deals::{self, DealField},
    records, settings, today, Actor, ClientId, Tx,
};
use redkey_testkit::TestDb;
use uuid::Uuid;

use crate::support::{board_with, elsewhere, far_zone, from_elsewhere};

type Outcomes = Vec<(Uuid, bool, i64, DateTime<Utc>)>;
type CloseMonths = Vec<(Uuid, NaiveDate, i64, i64)>;
type OutcomeMonths = Vec<(NaiveDate, bool, i64, i64)>;

/// The decided deals as the deals and their audit trail say now. The last
/// stage move is the last one written: a move that waited for another's
/// lock is written after it but carries its own transaction's earlier
/// start as its time.
async fn fresh(tx: &mut Tx) -> Outcomes {
    sqlx::query_as(
        "SELECT d.id, p.is_won, coalesce(d.amount_micros, 0)::bigint, \
                (SELECT f.changed_at FROM crm_field_changes f \
                 WHERE f.row_id = d.id AND f.view_name = 'crm_deals' AND f.column_name = 'stage_id' \
                 ORDER BY f.id DESC LIMIT 1) \
         FROM crm_deals d JOIN crm_pipeline p ON p.stage_id = d.stage_id \
         WHERE p.is_won OR p.is_lost ORDER BY d.id",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap()
}

async fn kept(tx: &mut Tx) -> Outcomes {
    sqlx::query_as(
        "SELECT deal_id, is_won, amount_micros::bigint, closed_at FROM crm_deal_outcomes \
         ORDER BY deal_id",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap()
}

/// Live deals per stage and close month, counted now and as kept.
async fn close_months(tx: &mut Tx) -> (CloseMonths, CloseMonths) {
    let fresh = sqlx::query_as(
        "SELECT stage_id, date_trunc('month', close_date::date)::date, count(*), \
                coalesce(sum(amount_micros), 0)::bigint \
         FROM crm_deals WHERE close_date IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap();
    let kept = sqlx::query_as(
        "SELECT stage_id, month, deal_count, amount_micros::bigint FROM crm_close_months \
         ORDER BY 1, 2",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap();
    (fresh, kept)
}

/// Decided deals per month (in the client's zone) and outcome, counted
/// now from the kept outcomes and as kept.
async fn outcome_months(tx: &mut Tx) -> (OutcomeMonths, OutcomeMonths) {
    let fresh = sqlx::query_as(
        "SELECT date_trunc('month', o.closed_at AT TIME ZONE s.time_zone)::date, o.is_won, \
                count(*), sum(o.amount_micros)::bigint \
         FROM crm_deal_outcomes o, crm_client_schedule s GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap();
    let kept = sqlx::query_as(
        "SELECT month, is_won, deals, amount_micros::bigint FROM crm_outcome_months ORDER BY 1, 2",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap();
    (fresh, kept)
}

async fn assert_exact(t: &TestDb, client: ClientId, human: Actor, what: &str) -> Outcomes {
    let mut tx = t.tx(client, human).await;
    let (fresh, kept) = (fresh(&mut tx).await, kept(&mut tx).await);
    let (fresh_months, kept_months) = close_months(&mut tx).await;
    let (fresh_outcomes, kept_outcomes) = outcome_months(&mut tx).await;
    tx.commit().await.unwrap();
    assert_eq!(kept, fresh, "{what}");
    assert_eq!(kept_months, fresh_months, "close months {what}");
    assert_eq!(kept_outcomes, fresh_outcomes, "outcome months {what}");
    kept
}

/// The first of the month `n` months from today's.
fn month_ahead(n: u32) -> NaiveDate {
    let today = Utc::now().date_naive();
    today.with_day(1).unwrap() + Months::new(n)
}

/// Another application deletes `deal` for good, straight from the table
/// where the client's deals live.
async fn delete_elsewhere(t: &TestDb, client: ClientId, deal: Uuid) {
    let (mut other, twenty) = elsewhere(t, client).await;
    let table = twenty.map_or("opportunities".into(), |s| format!("{s}.opportunity"));
    let gone = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(deal)
        .execute(&mut *other)
        .await
        .unwrap();
    assert_eq!(gone.rows_affected(), 1);
    other.commit().await.unwrap();
}

#[tokio::test]
async fn kept_deal_charts_stay_exact() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let (_, stages, ids) = board_with(
        &mut tx,
        &[
            ("Lead", 10, false, false),
            ("Proposal", 50, false, false),
            ("Won", 100, true, false),
            ("Lost", 0, false, true),
        ],
        20,
        |i| (i % 4 != 0).then(|| month_ahead(i as u32 % 3)),
    )
    .await;
    // Two deals the workers never touch keep both outcomes on the chart
    // whatever order the concurrent work lands in.
    let (kept_won, kept_lost) = (ids[ids.len() - 2], ids[ids.len() - 1]);
    deals::move_to(&mut tx, kept_won, stages[2], 0)
        .await
        .unwrap();
    deals::move_to(&mut tx, kept_lost, stages[3], 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Four people work the board at once: moves in and out of the won and
    // lost stages, new amounts, deals to the trash.
    let mut workers = vec![];
    for w in 0..4usize {
        let (db, stages, ids) = (t.db.clone(), stages.clone(), ids.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..8usize {
                let deal = ids[(w * 7 + i * 3) % (ids.len() - 2)];
                let stage = stages[(w + i) % stages.len()];
                let mut tx = db.begin(a, human).await.unwrap();
                let field = match i % 6 {
                    3 => DealField::AmountMicros(Some((w * 100 + i) as i64 * 1_000_000)),
                    _ => {
                        DealField::CloseDate(Some(month_ahead((w + i) as u32 % 5) + Days::new(14)))
                    }
                };
                let done = match i % 6 {
                    0..=2 => deals::move_to(&mut tx, deal, stage, 0).await.map(|_| ()),
                    3 | 4 => records::update(&mut tx, deal, vec![field])
                        .await
                        .map(|_| ()),
                    _ => audit::archive(&mut tx, audit::Kind::Deal, deal).await,
                };
                // A deal another worker put in the trash is not found: fine.
                if done.is_ok() {
                    tx.commit().await.unwrap();
                }
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let worked = assert_exact(&t, a, human, "after concurrent work").await;
    assert!(worked.iter().any(|o| o.0 == kept_won && o.1));
    assert!(worked.iter().any(|o| o.0 == kept_lost && !o.1));

    // Back from the trash with the month they were decided in; another
    // application adds a won deal and deletes a decided one for good.
    // Each in its own transaction: restoring a deal that is not in the
    // trash is an error, and an error ends its transaction.
    let mut restored = 0;
    for d in &ids {
        let mut tx = t.tx(a, human).await;
        if audit::restore(&mut tx, audit::Kind::Deal, *d).await.is_ok() {
            tx.commit().await.unwrap();
            restored += 1;
        }
    }
    assert!(restored > 0, "the workers put deals in the trash");
    from_elsewhere(&t, a, human, stages[2]).await;
    delete_elsewhere(&t, a, worked[0].0).await;
    let edited = assert_exact(&t, a, human, "after restores and another application").await;
    assert!(!edited.iter().any(|o| o.0 == worked[0].0));
    assert!(edited.iter().any(|o| o.2 == 7_000_000 && o.1));

    // Proposal becomes a lost stage: every deal in it is decided.
    let mut tx = t.tx(a, human).await;
    let proposed = *ids.iter().find(|d| **d != worked[0].0).unwrap();
    deals::move_to(&mut tx, proposed, stages[1], 0)
        .await
        .unwrap();
    settings::set_stage_outcome(&mut tx, stages[1], 0, false, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let decided = assert_exact(&t, a, human, "after a stage became lost").await;
    assert!(decided.iter().any(|o| o.0 == proposed && !o.1));

    // The chart sums the same rows, whole units here; the other client has none.
    let mut tx = t.tx(a, human).await;
    let months = today::closed(&mut tx, Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(months.len(), 12);
    let sum = |won: bool| -> (i64, i64) {
        let of: Vec<_> = decided.iter().filter(|o| o.1 == won).collect();
        (of.len() as i64, of.iter().map(|o| o.2 / 1_000_000).sum())
    };
    let won = months
        .iter()
        .fold((0, 0), |s, m| (s.0 + m.won, s.1 + m.won_units));
    let lost = months
        .iter()
        .fold((0, 0), |s, m| (s.0 + m.lost, s.1 + m.lost_units));
    assert_eq!((won, lost), (sum(true), sum(false)));

    // The forecast weights the open stage's months (Lead, at 10%).
    let mut tx = t.tx(a, human).await;
    let forecast = today::forecast(&mut tx, Utc::now()).await.unwrap();
    let (open, _) = close_months(&mut tx).await;
    tx.commit().await.unwrap();
    let expected: Vec<(NaiveDate, i64, i64)> = (0..6)
        .map(month_ahead)
        .map(|m| {
            let lead = open.iter().find(|c| c.0 == stages[0] && c.1 == m);
            lead.map_or((m, 0, 0), |c| (m, c.2, (c.3 / 1_000_000 + 5) / 10))
        })
        .collect();
    let got: Vec<_> = forecast
        .iter()
        .map(|f| (f.month, f.deals, f.weighted_units))
        .collect();
    assert_eq!(got, expected);
    assert!(got.iter().any(|f| f.1 > 0), "some open deal closes soon");
    assert!(assert_exact(&t, b, human, "the other client")
        .await
        .is_empty());
    the_history_follows_the_time_zone(&t, a, human, decided[0].0).await;
}

/// The month `deal` was decided in, in the client's zone.
async fn decided_in(tx: &mut Tx, deal: Uuid) -> NaiveDate {
    sqlx::query_scalar(
        "SELECT date_trunc('month', o.closed_at AT TIME ZONE s.time_zone)::date \
         FROM crm_deal_outcomes o, crm_client_schedule s WHERE o.deal_id = $1",
    )
    .bind(deal)
    .fetch_one(tx.conn())
    .await
    .unwrap()
}

/// A deal decided two hours before a month began (in UTC) counts in the
/// month before; fourteen hours ahead, in the month after. The decision's
/// time is the transaction's, so the test sets it as the owner.
async fn the_history_follows_the_time_zone(t: &TestDb, client: ClientId, human: Actor, deal: Uuid) {
    let mut owner = t.owner_tx(client).await;
    sqlx::query(
        "UPDATE deal_outcomes SET closed_at = date_trunc('month', now() AT TIME ZONE 'UTC') \
                AT TIME ZONE 'UTC' - interval '2 hours' \
         WHERE workspace_id = $1 AND deal_id = $2",
    )
    .bind(client.0)
    .bind(deal)
    .execute(&mut *owner)
    .await
    .unwrap();
    owner.commit().await.unwrap();
    let mut tx = t.tx(client, human).await;
    let before = decided_in(&mut tx, deal).await;
    let (fresh, kept) = outcome_months(&mut tx).await;
    tx.commit().await.unwrap();
    assert_eq!(kept, fresh, "after a decision moved to a month's eve");

    far_zone(t).await;
    let mut tx = t.tx(client, human).await;
    let after = decided_in(&mut tx, deal).await;
    let (fresh, kept) = outcome_months(&mut tx).await;
    assert_eq!(kept, fresh, "after the time zone changed");
    let chart = today::closed(&mut tx, Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        after,
        before + Months::new(1),
        "fourteen hours ahead, a month later"
    );
    assert!(chart.iter().any(|m| m.month == after && m.won + m.lost > 0));
}

/// Two people decide one deal at once: the one who started first writes
/// last, so the last move written carries the earlier time. The live
/// trigger keeps that move's time; a recount (a stage's outcome changed in
/// Settings) must keep the same, not the latest time in the audit trail.
#[tokio::test]
async fn a_recount_keeps_the_last_move_written() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let stages = [
        ("Lead", 10, false, false),
        ("Won", 100, true, false),
        ("Lost", 0, false, true),
    ];
    let (_, stages, ids) = board_with(&mut tx, &stages, 1, |_| None).await;
    tx.commit().await.unwrap();
    let deal = ids[0];

    let mut first = t.tx(a, human).await;
    let started: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(first.conn())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut second = t.tx(a, human).await;
    deals::move_to(&mut second, deal, stages[1], 0)
        .await
        .unwrap();
    second.commit().await.unwrap();
    deals::move_to(&mut first, deal, stages[2], 0)
        .await
        .unwrap();
    first.commit().await.unwrap();
    let live = assert_exact(&t, a, human, "after the crossed moves").await;
    assert_eq!((live[0].0, live[0].1, live[0].3), (deal, false, started));

    let mut tx = t.tx(a, human).await;
    let latest: DateTime<Utc> = sqlx::query_scalar(
        "SELECT max(changed_at) FROM crm_field_changes WHERE row_id = $1 AND column_name = 'stage_id'",
    )
    .bind(deal)
    .fetch_one(tx.conn())
    .await
    .unwrap();
    assert!(latest > started, "the overwritten move has the later time");
    // Lead lost, then open again: two recounts of the client.
    settings::set_stage_outcome(&mut tx, stages[0], 10, false, true)
        .await
        .unwrap();
    settings::set_stage_outcome(&mut tx, stages[0], 10, false, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let recounted = assert_exact(&t, a, human, "after a recount").await;
    assert_eq!(recounted, live);
}
