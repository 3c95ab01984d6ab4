//! The deals and companies tables (every order pages each match exactly
//! once, missing values last; filters combine) and saved views (private
//! unless shared, only their author replaces or deletes one, never across
//! clients, never arlo's).

use chrono::NaiveDate;
use redkey_data::{
    companies::CompanyField, deals::DealField, records, saved_views, tables, todos::my_member_id,
    Actor, DbError,
};
use redkey_testkit::TestDb;
use redkey_types::{
    Company, CompanyFilter, Deal, DealFilter, DealSort, Priority, RecordSort, TableKind,
};
use uuid::Uuid;

use crate::support::pipeline_with;

#[tokio::test]
async fn every_deal_order_pages_each_match_once_with_missing_values_last() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let me = my_member_id(&mut tx).await.unwrap();
    let (sales, stages) = pipeline_with(
        &mut tx,
        "Sales",
        &[("Lead", 10, false, false), ("Won", 100, true, false)],
    )
    .await;
    let (lead, won) = (stages[0], stages[1]);
    let acme: Company = records::create(&mut tx, vec![CompanyField::Name("Acme".into())])
        .await
        .unwrap();
    for i in 0..23i64 {
        let mut fields = vec![
            DealField::Name(format!("Deal {:02}", i % 7)),
            DealField::Pipeline(sales),
            DealField::Stage(if i % 3 == 0 { won } else { lead }),
        ];
        if i % 4 != 0 {
            fields.push(DealField::AmountMicros(Some((i % 5) * 1_000_000_000)));
        }
        if i % 2 == 0 {
            fields.push(DealField::CloseDate(NaiveDate::from_ymd_opt(
                2027,
                1,
                1 + (i % 9) as u32,
            )));
        }
        if i % 5 == 0 {
            fields.push(DealField::Owner(me));
            fields.push(DealField::Priority(Some(Priority::High)));
            fields.push(DealField::Company(Some(acme.id)));
        }
        records::create::<DealField>(&mut tx, fields).await.unwrap();
    }
    tx.commit().await.unwrap();
    // Another client's deal with the same name never shows.
    let mut tx = t.tx(b, human).await;
    let (p, s) = pipeline_with(&mut tx, "Theirs", &[("Lead", 10, false, false)]).await;
    let s = s[0];
    let theirs: Deal = records::create(
        &mut tx,
        vec![
            DealField::Name("Deal 01".into()),
            DealField::Pipeline(p),
            DealField::Stage(s),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    for &sort in DealSort::ALL {
        let f = DealFilter {
            sort,
            ..Default::default()
        };
        let seen = walk_deals(&mut tx, &f).await;
        assert_eq!(seen.len(), 23, "{sort:?}: every deal once");
        let mut ids: Vec<Uuid> = seen.iter().map(|d| d.id).collect();
        ids.dedup();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 23, "{sort:?}: no repeats");
        assert!(!ids.contains(&theirs.id));
        let ordered = seen.windows(2).all(|w| match sort {
            DealSort::Name => (&w[0].name, w[0].id) < (&w[1].name, w[1].id),
            DealSort::Amount => {
                (w[0].amount_micros.unwrap_or(-1), w[0].id)
                    > (w[1].amount_micros.unwrap_or(-1), w[1].id)
            }
            DealSort::CloseDate => {
                let key = |d: &Deal| (d.close_date.unwrap_or(NaiveDate::MAX), d.id);
                key(&w[0]) < key(&w[1])
            }
            DealSort::Newest => (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id),
        });
        assert!(ordered, "{sort:?} order");
    }

    // Filters combine: stage, owner, priority, close range, text.
    let count = |f: DealFilter| {
        let t = &t;
        async move {
            let mut tx = t.tx(a, human).await;
            walk_deals(&mut tx, &f).await.len()
        }
    };
    let won_count = (0..23).filter(|i| i % 3 == 0).count();
    assert_eq!(
        count(DealFilter {
            stage: Some(won),
            ..Default::default()
        })
        .await,
        won_count
    );
    let mine = (0..23).filter(|i| i % 5 == 0).count();
    assert_eq!(
        count(DealFilter {
            owner: me,
            priority: Some(Priority::High),
            pipeline: Some(sales),
            ..Default::default()
        })
        .await,
        mine
    );
    let early = (0..23).filter(|i| i % 2 == 0 && (1 + i % 9) <= 3).count();
    assert_eq!(
        count(DealFilter {
            close_from: NaiveDate::from_ymd_opt(2027, 1, 1),
            close_to: NaiveDate::from_ymd_opt(2027, 1, 3),
            ..Default::default()
        })
        .await,
        early
    );
    // Text matches the deal's name or its company's, literally.
    assert_eq!(
        count(DealFilter {
            q: Some("acme".into()),
            ..Default::default()
        })
        .await,
        mine
    );
    assert_eq!(
        count(DealFilter {
            q: Some("Deal_0".into()),
            ..Default::default()
        })
        .await,
        0,
        "_ is a character, not a wildcard"
    );
}

async fn walk_deals(tx: &mut redkey_data::Tx, f: &DealFilter) -> Vec<Deal> {
    let mut seen: Vec<Deal> = vec![];
    loop {
        let page = tables::deals(tx, f, seen.last(), 4).await.unwrap();
        assert!(page.len() <= 4);
        if page.is_empty() {
            return seen;
        }
        seen.extend(page);
    }
}

#[tokio::test]
async fn the_companies_table_filters_by_owner_and_pages_by_recent_activity() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let me = my_member_id(&mut tx).await.unwrap();
    for i in 0..11 {
        let mut fields = vec![
            CompanyField::Name(format!("Co {}", i % 4)),
            CompanyField::Domain(Some(format!("co{i}.test"))),
        ];
        if i % 3 == 0 {
            fields.push(CompanyField::AccountOwner(me));
        }
        records::create(&mut tx, fields).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, Actor::Agent).await;
    // Arlo keeps last activity: some companies active, the rest never.
    sqlx::query(
        "UPDATE crm_companies SET last_activity_at = now() - (length(domain) || ' minutes')::interval \
         WHERE domain LIKE 'co1%'",
    )
    .execute(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    for &sort in RecordSort::ALL {
        let f = CompanyFilter {
            sort,
            ..Default::default()
        };
        let mut seen: Vec<Company> = vec![];
        loop {
            let page = tables::companies(&mut tx, &f, seen.last(), 3)
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            seen.extend(page);
        }
        let mut ids: Vec<Uuid> = seen.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!((seen.len(), ids.len()), (11, 11), "{sort:?}");
        if sort == RecordSort::RecentActivity {
            let active = seen
                .iter()
                .take_while(|c| c.last_activity_at.is_some())
                .count();
            assert_eq!(active, 2, "co1 and co10 first, the never-active last");
        }
    }
    let owned = tables::companies(
        &mut tx,
        &CompanyFilter {
            owner: me,
            q: Some("CO".into()),
            ..Default::default()
        },
        None,
        50,
    )
    .await
    .unwrap();
    assert_eq!(owned.len(), 4, "0, 3, 6 and 9 are mine");
}

#[tokio::test]
async fn saved_views_are_private_unless_shared_and_only_their_author_deletes_one() {
    let t = TestDb::new().await;
    let (a, b, ann) = t.two_clients().await;
    let bob = Actor::User(t.user("bob@alpha.test", &["alpha"]).await);

    let mut tx = t.tx(a, ann).await;
    let mine = saved_views::save(&mut tx, TableKind::Deals, "Mine", "priority=high", false)
        .await
        .unwrap();
    saved_views::save(&mut tx, TableKind::Deals, " Team ", "sort=amount", true)
        .await
        .unwrap();
    // The same name again replaces the author's view.
    let again = saved_views::save(&mut tx, TableKind::Deals, "Mine", "priority=low", false)
        .await
        .unwrap();
    assert_eq!(again, mine);
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, ann).await;
    let empty = saved_views::save(&mut tx, TableKind::Deals, "  ", "", false).await;
    assert!(matches!(empty, Err(DbError::Invalid(_))), "{empty:?}");
    tx.rollback().await.unwrap();

    let mut tx = t.tx(a, ann).await;
    let ann_sees = saved_views::of(&mut tx, TableKind::Deals).await.unwrap();
    assert_eq!(
        ann_sees
            .iter()
            .map(|v| (v.name.as_str(), v.query.as_str(), v.mine))
            .collect::<Vec<_>>(),
        [
            ("Mine", "priority=low", true),
            ("Team", "sort=amount", true)
        ]
    );
    assert!(saved_views::of(&mut tx, TableKind::Contacts)
        .await
        .unwrap()
        .is_empty());
    tx.rollback().await.unwrap();

    let mut tx = t.tx(a, bob).await;
    let bob_sees = saved_views::of(&mut tx, TableKind::Deals).await.unwrap();
    assert_eq!(bob_sees.len(), 1, "only the shared one");
    assert!(!bob_sees[0].mine && bob_sees[0].shared);
    let team = bob_sees[0].id;
    let r = saved_views::delete(&mut tx, team).await;
    assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
    tx.rollback().await.unwrap();

    // Not in another client, even for the same person; never for arlo.
    let mut tx = t.tx(b, ann).await;
    assert!(saved_views::of(&mut tx, TableKind::Deals)
        .await
        .unwrap()
        .is_empty());
    let r = saved_views::delete(&mut tx, team).await;
    assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
    tx.rollback().await.unwrap();
    let mut tx = t.tx(a, Actor::Agent).await;
    let r = saved_views::save(&mut tx, TableKind::Deals, "Arlo's", "", true).await;
    assert!(matches!(r, Err(DbError::Forbidden(_))), "{r:?}");
    tx.rollback().await.unwrap();

    let mut tx = t.tx(a, ann).await;
    saved_views::delete(&mut tx, team).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, bob).await;
    assert!(saved_views::of(&mut tx, TableKind::Deals)
        .await
        .unwrap()
        .is_empty());
}
