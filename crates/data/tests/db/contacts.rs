//! Contacts: duplicate emails, search within the client, keyset pages in
//! every order, filters.

use chrono::Utc;
use redkey_data::{
    audit::{self, Kind},
    companies::CompanyField,
    contacts::{self, ContactField, ContactQuery},
    Actor, DbError,
};
use redkey_testkit::TestDb;
use redkey_types::{Contact, ContactRow, Priority, RecordSort};
use uuid::Uuid;

use crate::support::{email, new_contact, surnamed_contacts};
use redkey_data::records;

#[tokio::test]
async fn duplicate_emails_are_a_clear_conflict_case_insensitively() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    new_contact(&t, a, human, "Ann").await;
    let mut tx = t.tx(a, human).await;
    let r = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Dup".into()),
            ContactField::Email(email("ANN@example.test")),
        ],
    )
    .await;
    assert!(
        matches!(&r, Err(DbError::Conflict(m)) if m.contains("already exists")),
        "{r:?}"
    );
    // Another client may hold the same address.
    new_contact(&t, b, human, "Ann").await;
}

#[tokio::test]
async fn search_finds_by_name_email_and_company_within_the_client_only() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let acme = records::create(&mut tx, vec![CompanyField::Name("Acme Rockets".into())])
        .await
        .unwrap();
    let ann = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Ann".into()),
            ContactField::LastName("Lee".into()),
            ContactField::Email(email("ann@lee.test")),
            ContactField::Company(Some(acme.id)),
        ],
    )
    .await
    .unwrap();
    records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Bob".into()),
            ContactField::LastName("Stone".into()),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    new_contact(&t, b, human, "Annabel").await;

    let mut tx = t.tx(a, human).await;
    // "lee.test acme" runs from her email on into her company's name.
    for q in [
        "ann",
        "LEE",
        "lee.test",
        "rockets",
        "ann lee",
        "lee.test acme",
    ] {
        let hits: Vec<Uuid> = contacts::page(&mut tx, &searching(q), 10)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(hits, vec![ann.id], "query {q:?}");
    }
    assert!(contacts::page(&mut tx, &searching("100%_"), 10)
        .await
        .unwrap()
        .is_empty());
    // The list's rows carry the company's name, found or listed, and only
    // this client's contacts.
    let listed = |rows: Vec<ContactRow>| {
        rows.into_iter()
            .map(|r| (r.name, r.email, r.company_name))
            .collect::<Vec<_>>()
    };
    let ann_row = (
        "Ann Lee".to_string(),
        Some("ann@lee.test".to_string()),
        Some("Acme Rockets".to_string()),
    );
    let found = contacts::rows(&mut tx, &searching("rockets"), 10).await;
    assert_eq!(listed(found.unwrap()), vec![ann_row.clone()]);
    let all = contacts::rows(&mut tx, &Default::default(), 10).await;
    assert_eq!(
        listed(all.unwrap()),
        vec![ann_row, ("Bob Stone".to_string(), None, None)]
    );
    // Renaming the company re-indexes its people; archiving drops them.
    records::update(&mut tx, acme.id, vec![CompanyField::Name("Zenith".into())])
        .await
        .unwrap();
    assert_eq!(
        contacts::page(&mut tx, &searching("zenith"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    audit::archive(&mut tx, Kind::Contact, ann.id)
        .await
        .unwrap();
    assert!(contacts::page(&mut tx, &searching("ann"), 10)
        .await
        .unwrap()
        .is_empty());
}

fn searching(q: &str) -> ContactQuery<'_> {
    ContactQuery {
        search: Some(q),
        ..Default::default()
    }
}

#[tokio::test]
async fn keyset_pages_cover_every_contact_once_in_every_order() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    // Ties on purpose: names repeat, activity times repeat, some are never active.
    let mut tx = t.tx(a, Actor::Agent).await;
    let base = chrono::Utc::now() - chrono::Duration::days(1);
    for i in 0..25 {
        let active = (i % 4 != 0).then(|| base + chrono::Duration::minutes(i % 6));
        records::create(
            &mut tx,
            vec![
                ContactField::FirstName(format!("F{}", i % 3)),
                ContactField::LastName(format!("L{}", i % 5)),
                ContactField::LastActivityAt(active),
            ],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, Actor::Agent).await;
    // Without a search, through the view; with one, the search function
    // returns each page itself (a term matching all, and one matching some).
    for (search, expected) in [(None, 25), (Some("f"), 25), (Some("l1"), 5)] {
        for &sort in RecordSort::ALL {
            let mut seen: Vec<Contact> = vec![];
            loop {
                let q = ContactQuery {
                    search,
                    sort,
                    after: seen.last(),
                    ..Default::default()
                };
                let page = contacts::page(&mut tx, &q, 7).await.unwrap();
                assert!(page.len() <= 7);
                if page.is_empty() {
                    break;
                }
                seen.extend(page);
            }
            let mut ids: Vec<Uuid> = seen.iter().map(|c| c.id).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(
                ids.len(),
                expected,
                "{search:?} {sort:?}: every match exactly once"
            );
            assert_eq!(seen.len(), expected, "{search:?} {sort:?}: no repeats");
            let ordered = seen.windows(2).all(|w| match sort {
                RecordSort::Name => {
                    (&w[0].last_name, &w[0].first_name, w[0].id)
                        < (&w[1].last_name, &w[1].first_name, w[1].id)
                }
                // None sorts below every time, so never-active contacts come last.
                RecordSort::RecentActivity => {
                    (w[0].last_activity_at, w[0].id) > (w[1].last_activity_at, w[1].id)
                }
                RecordSort::Newest => (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id),
            });
            assert!(ordered, "{search:?} {sort:?} order");
        }
    }
}

#[tokio::test]
async fn contact_filters_by_priority_and_due_recontact() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let now = Utc::now();
    let mut ids = vec![];
    for (name, p, days) in [
        ("DueHigh", Some(Priority::High), Some(-1)),
        ("LaterHigh", Some(Priority::High), Some(3)),
        ("DueLow", Some(Priority::Low), Some(-2)),
        ("Plain", None, None),
    ] {
        let fields = vec![
            ContactField::FirstName(name.into()),
            ContactField::LastName("Case".into()),
            ContactField::Priority(p),
            ContactField::RecontactAt(days.map(|d| now + chrono::Duration::days(d))),
        ];
        ids.push(records::create(&mut tx, fields).await.unwrap().id);
    }
    tx.commit().await.unwrap();
    new_contact(&t, b, human, "OtherClient").await;
    let [due_high, later_high, due_low, _plain] = ids[..] else {
        unreachable!()
    };

    let mut tx = t.tx(a, human).await;
    for (priority, recontact_due, mut expected) in [
        (Some(Priority::High), false, vec![due_high, later_high]),
        (None, true, vec![due_high, due_low]),
        (Some(Priority::High), true, vec![due_high]),
        (Some(Priority::Critical), false, vec![]),
    ] {
        let q = ContactQuery {
            priority,
            recontact_due,
            ..Default::default()
        };
        let mut got: Vec<Uuid> = contacts::page(&mut tx, &q, 50)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{priority:?} due={recontact_due}");
    }
}

#[tokio::test]
async fn companies_page_by_name_and_each_once() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    for name in ["Zeta", "Acme", "Mango", "Acme", "Birch"] {
        records::create(
            &mut tx,
            vec![redkey_data::companies::CompanyField::Name(name.into())],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = t.tx(b, human).await;
    records::create(
        &mut tx,
        vec![redkey_data::companies::CompanyField::Name(
            "Other client".into(),
        )],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    let mut seen = vec![];
    loop {
        let page = redkey_data::tables::companies(&mut tx, &Default::default(), seen.last(), 2)
            .await
            .unwrap();
        assert!(page.len() <= 2);
        if page.is_empty() {
            break;
        }
        seen.extend(page);
    }
    let names: Vec<&str> = seen.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Acme", "Acme", "Birch", "Mango", "Zeta"]);
}

/// A term the planner expects few contacts to match is answered from the
/// trigram index alone; a common one by walking the page's order. Both
/// must give every match of the client once, in order, page after page.
#[tokio::test]
async fn rare_and_common_terms_page_alike() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    surnamed_contacts(&t, a, human, 3000).await;
    surnamed_contacts(&t, b, human, 20).await;
    // "ann" matches half the client's contacts, "surname12" 111 of them;
    // an attached client's are searched in the adapter's side table. Its
    // column keeps fewer statistics, and at this size the planner expects
    // far fewer than half to hold "ann": there only the rare side is sure.
    let (side, text) = if redkey_testkit::over_twenty() {
        ("redkey_twenty.contact_search", "names")
    } else {
        ("contact_search", "document")
    };
    let mut owner = t.owner_tx(a).await;
    sqlx::query(&format!("ANALYZE {side}"))
        .execute(&mut *owner)
        .await
        .unwrap();
    for (term, common) in [("ann", true), ("surname12", false)] {
        if common && redkey_testkit::over_twenty() {
            continue;
        }
        let expected: f64 = sqlx::query_scalar(&format!(
            "SELECT redkey_expected_rows(format('SELECT person_id FROM {side} \
             WHERE workspace_id = %L AND {text} LIKE %L', $1::uuid, $2::text))::float8"
        ))
        .bind(a.0)
        .bind(format!("%{term}%"))
        .fetch_one(&mut *owner)
        .await
        .unwrap();
        assert_eq!(expected > 1000.0, common, "{term}: {expected} expected");
    }
    owner.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    for term in ["ann", "surname12"] {
        for &sort in RecordSort::ALL {
            let order = match sort {
                RecordSort::Name => "last_name, first_name, id",
                RecordSort::RecentActivity => "activity_order DESC, id DESC",
                RecordSort::Newest => "created_at DESC, id DESC",
            };
            let every: Vec<Uuid> = sqlx::query_scalar(&format!(
                "SELECT id FROM crm_contacts \
                 WHERE lower(concat_ws(' ', first_name, last_name, email)) LIKE $1 ORDER BY {order}"
            ))
            .bind(format!("%{term}%"))
            .fetch_all(tx.conn())
            .await
            .unwrap();
            let mut seen: Vec<Contact> = vec![];
            loop {
                let q = ContactQuery {
                    search: Some(term),
                    sort,
                    after: seen.last(),
                    ..Default::default()
                };
                let page = contacts::page(&mut tx, &q, 50).await;
                let page = page.unwrap_or_else(|e| panic!("{term} {sort:?} {}: {e:?}", seen.len()));
                if page.is_empty() {
                    break;
                }
                seen.extend(page);
            }
            let ids: Vec<Uuid> = seen.iter().map(|c| c.id).collect();
            assert_eq!(ids.len(), if term == "ann" { 1500 } else { 111 });
            assert_eq!(ids, every, "{term} {sort:?}");
        }
    }
}
