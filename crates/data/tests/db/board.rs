//! The board's bounded reads: the first cards per column, keyset pages
//! after a cursor, filters applied in the database, and filtered totals.

use chrono::Utc;
use redkey_data::{
    board::{self, BoardFilter, Cursor},
    deals::DealField,
    records,
};
use redkey_testkit::TestDb;
use redkey_types::{DealCard, Priority};
use uuid::Uuid;

use crate::support::board as seed_board;

fn names(cards: &[DealCard]) -> Vec<String> {
    cards.iter().map(|c| c.name.clone()).collect()
}

#[tokio::test]
async fn columns_show_their_first_cards_and_page_by_keyset() {
    let t = TestDb::new().await;
    let (alpha, beta, actor) = t.two_clients().await;
    let mut tx = t.tx(alpha, actor).await;
    let (_, stages, ds) = seed_board(&mut tx, 7).await;
    // Positions as moves leave them: dense, in creation order.
    for (i, d) in ds.iter().enumerate() {
        redkey_data::deals::move_to(&mut tx, *d, stages[0], i as i32)
            .await
            .unwrap();
    }
    let lead = &stages[..1];
    let now = Utc::now();
    let first = board::cards(&mut tx, lead, &BoardFilter::default(), None, 3, now)
        .await
        .unwrap();
    assert_eq!(names(&first), ["Deal 0", "Deal 1", "Deal 2"]);
    assert!(first.iter().all(|c| c.days_in_stage == 0));
    let later = now + chrono::Duration::hours(3 * 24 + 1);
    let aged = board::cards(&mut tx, lead, &BoardFilter::default(), None, 1, later)
        .await
        .unwrap();
    assert_eq!(
        aged[0].days_in_stage, 3,
        "whole days since the stage changed"
    );
    // Stale as crm_needs_attention has it: quiet for the stage's 14 days,
    // counted in whole days; never in a won stage.
    assert!(!first[0].stale);
    let created: chrono::DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let quiet = |days: i64, micros: i64| {
        created + chrono::Duration::days(days) + chrono::Duration::microseconds(micros)
    };
    let edge = board::cards(
        &mut tx,
        lead,
        &BoardFilter::default(),
        None,
        1,
        quiet(14, -1),
    )
    .await
    .unwrap();
    assert!(!edge[0].stale, "a microsecond short of 14 days");
    let over = board::cards(
        &mut tx,
        lead,
        &BoardFilter::default(),
        None,
        1,
        quiet(14, 1),
    )
    .await
    .unwrap();
    assert!(over[0].stale);
    redkey_data::deals::move_to(&mut tx, ds[0], stages[2], 0)
        .await
        .unwrap();
    let won = board::cards(
        &mut tx,
        &stages[2..],
        &BoardFilter::default(),
        None,
        1,
        quiet(99, 0),
    )
    .await
    .unwrap();
    assert!(!won[0].stale && won[0].days_in_stage == 99);
    redkey_data::deals::move_to(&mut tx, ds[0], stages[0], 0)
        .await
        .unwrap();

    let mut seen = names(&first);
    let mut last = first.last().unwrap().clone();
    loop {
        let after = Cursor::parse(stages[0], &Cursor::encode(last.position, last.id)).unwrap();
        let page = board::cards(&mut tx, lead, &BoardFilter::default(), Some(after), 3, now)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        seen.extend(names(&page));
        last = page.last().unwrap().clone();
    }
    let all: Vec<String> = (0..7).map(|i| format!("Deal {i}")).collect();
    assert_eq!(seen, all, "every card once, in order");

    // A cursor names its stage: other columns still start at the top.
    let other = Cursor {
        stage: stages[1],
        position: 1e9,
        id: Uuid::max(),
    };
    let page = board::cards(&mut tx, lead, &BoardFilter::default(), Some(other), 3, now)
        .await
        .unwrap();
    assert_eq!(names(&page), ["Deal 0", "Deal 1", "Deal 2"]);
    assert!(Cursor::parse(stages[0], "junk").is_none());
    assert!(Cursor::parse(stages[0], "NaN_00000000-0000-0000-0000-000000000000").is_none());
    tx.commit().await.unwrap();

    // Another client's stage ids show nothing of this client's deals.
    let mut tx = t.tx(beta, actor).await;
    let leak = board::cards(&mut tx, &stages, &BoardFilter::default(), None, 10, now)
        .await
        .unwrap();
    assert!(leak.is_empty());
}

/// The names of the cards a filter shows, sorted; checks the filtered
/// totals count the same cards.
async fn shown(
    tx: &mut redkey_data::Tx,
    stages: &[Uuid],
    pipeline: Uuid,
    filter: BoardFilter,
    now: chrono::DateTime<Utc>,
) -> Vec<String> {
    let cards = board::cards(tx, stages, &filter, None, 50, now)
        .await
        .unwrap();
    let totals = board::filtered_totals(tx, pipeline, &filter).await.unwrap();
    let counted: i64 = totals.iter().map(|t| t.1).sum();
    assert_eq!(counted as usize, cards.len(), "totals count what is shown");
    let mut n = names(&cards);
    n.sort();
    n
}

#[tokio::test]
async fn filters_apply_in_the_database_and_totals_follow_them() {
    let t = TestDb::new().await;
    let (alpha, _, actor) = t.two_clients().await;
    let mut tx = t.tx(alpha, actor).await;
    let (pipeline, stages, ds) = seed_board(&mut tx, 6).await;
    let member = redkey_data::members(&mut tx).await.unwrap()[0].id;
    let acme = records::create(
        &mut tx,
        vec![redkey_data::companies::CompanyField::Name(
            "Acme 100%".into(),
        )],
    )
    .await
    .unwrap();
    for (i, d) in ds.iter().enumerate() {
        let mut fields = vec![];
        if i % 2 == 0 {
            fields.push(DealField::Owner(Some(member)));
        }
        if i % 3 == 0 {
            fields.push(DealField::Priority(Some(Priority::High)));
        }
        if i == 5 {
            fields.push(DealField::Company(Some(acme.id)));
        }
        if !fields.is_empty() {
            records::update(&mut tx, *d, fields).await.unwrap();
        }
    }
    let now = Utc::now();
    let by_id = BoardFilter {
        owner: Some(member.to_string()),
        ..Default::default()
    };
    assert_eq!(
        shown(&mut tx, &stages, pipeline, by_id, now).await,
        ["Deal 0", "Deal 2", "Deal 4"]
    );
    let by_name = BoardFilter {
        owner: Some("test user".into()),
        ..Default::default()
    };
    assert_eq!(
        shown(&mut tx, &stages, pipeline, by_name, now).await,
        ["Deal 0", "Deal 2", "Deal 4"]
    );
    let high = BoardFilter {
        priority: Some(Priority::High),
        ..Default::default()
    };
    assert_eq!(
        shown(&mut tx, &stages, pipeline, high, now).await,
        ["Deal 0", "Deal 3"]
    );
    // Text matches the company's name too, and % is literal.
    let company = BoardFilter {
        text: Some("acme 100%".into()),
        ..Default::default()
    };
    assert_eq!(
        shown(&mut tx, &stages, pipeline, company, now).await,
        ["Deal 5"]
    );
    // Each card carries its own company's name, and only its own.
    let all = board::cards(&mut tx, &stages, &BoardFilter::default(), None, 50, now)
        .await
        .unwrap();
    let companies: Vec<(&str, Option<&str>)> = all
        .iter()
        .map(|c| (c.name.as_str(), c.company_name.as_deref()))
        .filter(|(_, co)| co.is_some())
        .collect();
    assert_eq!(companies, [("Deal 5", Some("Acme 100%"))]);
    assert_eq!(all.len(), 6, "a card without a company is still shown");
    let literal = BoardFilter {
        text: Some("%".into()),
        ..Default::default()
    };
    assert_eq!(
        shown(&mut tx, &stages, pipeline, literal, now).await,
        ["Deal 5"]
    );
    let nobody = BoardFilter {
        owner: Some("no such person".into()),
        ..Default::default()
    };
    assert!(shown(&mut tx, &stages, pipeline, nobody, now)
        .await
        .is_empty());
    tx.commit().await.unwrap();
}
