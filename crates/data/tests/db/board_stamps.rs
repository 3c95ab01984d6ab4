//! The board stamp (migration 0069): every committed change to what the
//! board's first cards show gives the client a new stamp, and nothing else
//! does; writers of one client do not wait on it before they commit; a
//! client attached to Twenty has none.

use std::time::Duration;

use redkey_data::{
    board, companies::CompanyField, deals::DealField, pipeline, records, settings, Actor, ClientId,
    Tx,
};
use redkey_testkit::{over_twenty, TestDb};

use crate::support::board as seed_board;

async fn stamp_of(t: &TestDb, client: ClientId, actor: Actor) -> Option<i64> {
    let mut tx = t.tx(client, actor).await;
    let s = board::stamp(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    s
}

/// A transaction to write in, and the stamp before it.
async fn open(t: &TestDb, a: ClientId, human: Actor) -> (Tx, Option<i64>) {
    (t.tx(a, human).await, stamp_of(t, a, human).await)
}

/// Whether the stamp moved once `tx` committed; it does not before.
async fn moved(t: &TestDb, a: ClientId, human: Actor, mut tx: Tx, before: Option<i64>) -> bool {
    let during = board::stamp(&mut tx).await.unwrap();
    assert_eq!(during, before, "the stamp moves as the writer commits");
    tx.commit().await.unwrap();
    stamp_of(t, a, human).await != before
}

#[tokio::test]
async fn what_the_board_shows_moves_the_stamp_and_nothing_else_does() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    if over_twenty() {
        assert_eq!(
            stamp_of(&t, a, human).await,
            None,
            "Twenty's writes stamp nothing"
        );
        return;
    }
    assert_eq!(stamp_of(&t, a, human).await, Some(0));
    let mut tx = t.tx(a, human).await;
    let (p, stages, deals) = seed_board(&mut tx, 2).await;
    let acme = records::create(&mut tx, vec![CompanyField::Name("Acme".into())])
        .await
        .unwrap()
        .id;
    records::update(&mut tx, deals[0], vec![DealField::Company(Some(acme))])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let first = stamp_of(&t, a, human).await.unwrap();
    assert!(first > 0);

    let d = deals[0];
    let (mut tx, before) = open(&t, a, human).await;
    redkey_data::deals::move_to(&mut tx, d, stages[1], 0)
        .await
        .unwrap();
    assert!(moved(&t, a, human, tx, before).await);
    let (mut tx, before) = open(&t, a, human).await;
    records::update(&mut tx, d, vec![DealField::Name("Renamed".into())])
        .await
        .unwrap();
    assert!(moved(&t, a, human, tx, before).await);
    let (mut tx, before) = open(&t, a, human).await;
    records::update(
        &mut tx,
        acme,
        vec![CompanyField::Name("Acme Rockets".into())],
    )
    .await
    .unwrap();
    assert!(moved(&t, a, human, tx, before).await);
    let (mut tx, before) = open(&t, a, human).await;
    pipeline::rename_stage(&mut tx, stages[0], "Leads")
        .await
        .unwrap();
    assert!(moved(&t, a, human, tx, before).await);
    let (mut tx, before) = open(&t, a, human).await;
    settings::rename_pipeline(&mut tx, p, "Sales EMEA")
        .await
        .unwrap();
    assert!(moved(&t, a, human, tx, before).await);
    let (mut tx, before) = open(&t, a, human).await;
    redkey_data::audit::archive(&mut tx, redkey_data::audit::Kind::Deal, d)
        .await
        .unwrap();
    assert!(moved(&t, a, human, tx, before).await);
    // Not shown on a card: another of the company's columns, a new company.
    let (mut tx, before) = open(&t, a, human).await;
    records::update(&mut tx, acme, vec![CompanyField::City(Some("Oslo".into()))])
        .await
        .unwrap();
    assert!(!moved(&t, a, human, tx, before).await);
    let (mut tx, before) = open(&t, a, human).await;
    records::create(&mut tx, vec![CompanyField::Name("Unrelated".into())])
        .await
        .unwrap();
    assert!(!moved(&t, a, human, tx, before).await);

    // Another client's writes leave alpha's stamp; each sees only its own.
    let alpha = stamp_of(&t, a, human).await;
    let mut tx = t.tx(b, human).await;
    seed_board(&mut tx, 3).await;
    tx.commit().await.unwrap();
    assert_eq!(stamp_of(&t, a, human).await, alpha);
    assert_ne!(stamp_of(&t, b, human).await, alpha);
}

/// A transaction of many deals writes the stamp once: one row version
/// however many rows, and its value is the writer's transaction id.
#[tokio::test]
async fn an_import_writes_the_stamp_once() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    if over_twenty() {
        return;
    }
    let mut tx = t.tx(a, human).await;
    seed_board(&mut tx, 300).await;
    sqlx::query("SET CONSTRAINTS ALL IMMEDIATE")
        .execute(tx.conn())
        .await
        .unwrap();
    let (writes, xid): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables \
                 WHERE relname = 'board_stamps'), pg_current_xact_id()::text::bigint",
    )
    .fetch_one(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        writes, 1,
        "one stamp row written for 300 deals and their pipeline"
    );
    assert_eq!(stamp_of(&t, a, human).await, Some(xid));
}

/// Two writers of one client each change a deal and stay open: neither
/// waits on the stamp until it commits, and each commit moves it.
#[tokio::test]
async fn writers_of_one_client_do_not_wait_on_the_stamp() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    if over_twenty() {
        return;
    }
    let mut tx = t.tx(a, human).await;
    let (_, _, deals) = seed_board(&mut tx, 2).await;
    tx.commit().await.unwrap();
    let before = stamp_of(&t, a, human).await;
    let mut one = t.tx(a, human).await;
    let mut two = t.tx(a, human).await;
    records::update(&mut one, deals[0], vec![DealField::Name("One".into())])
        .await
        .unwrap();
    tokio::time::timeout(
        Duration::from_secs(10),
        records::update(&mut two, deals[1], vec![DealField::Name("Two".into())]),
    )
    .await
    .expect("the second writer is not held up by the first")
    .unwrap();
    one.commit().await.unwrap();
    let after_one = stamp_of(&t, a, human).await;
    assert_ne!(after_one, before);
    two.commit().await.unwrap();
    let after_two = stamp_of(&t, a, human).await;
    assert_ne!(after_two, after_one);
}
