//! The trash: archived records of every kind listed and restorable; the
//! purge (arlo's only) deletes for good what is older than its cut-off and
//! keeps what stands on its own; one client never sees another's trash.

use chrono::{Duration, Utc};
use redkey_data::{
    activities::{self, NewActivity},
    audit::{self, Kind},
    companies::CompanyField,
    contacts::ContactField,
    deals::DealField,
    notes::{self, Target},
    records,
    todos::{self, NewTodo},
    trash, Actor, DbError,
};
use redkey_testkit::TestDb;
use redkey_types::{ArchivedKind, Company, Contact, Deal};

use crate::support::board;

#[tokio::test]
async fn archived_records_are_listed_restored_and_purged_for_good() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let acme: Company = records::create(&mut tx, vec![CompanyField::Name("Acme".into())])
        .await
        .unwrap();
    let ann: Contact = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Ann".into()),
            ContactField::Company(Some(acme.id)),
        ],
    )
    .await
    .unwrap();
    let (_, stages, deals) = board(&mut tx, 1).await;
    records::update(
        &mut tx,
        deals[0],
        vec![
            DealField::Contact(Some(ann.id)),
            DealField::Company(Some(acme.id)),
        ],
    )
    .await
    .unwrap();
    let note = notes::add(&mut tx, Target::Contact(ann.id), "Met", "Met Ann")
        .await
        .unwrap();
    let todo = todos::add(
        &mut tx,
        NewTodo {
            title: "Call Ann".into(),
            target: Some(Target::Deal(deals[0])),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let call = activities::log(
        &mut tx,
        NewActivity {
            kind: "call".into(),
            contact_id: Some(ann.id),
            company_id: Some(acme.id),
            deal_id: Some(deals[0]),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    for (kind, id) in [
        (Kind::Note, note.id),
        (Kind::Todo, todo.id),
        (Kind::Deal, deals[0]),
        (Kind::Contact, ann.id),
    ] {
        audit::archive(&mut tx, kind, id).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    let listed = trash::list(&mut tx, 10).await.unwrap();
    let mut kinds: Vec<_> = listed.iter().map(|i| i.kind).collect();
    kinds.sort_by_key(|k| k.as_str());
    assert_eq!(
        kinds,
        [
            ArchivedKind::Contact,
            ArchivedKind::Deal,
            ArchivedKind::Note,
            ArchivedKind::Todo
        ]
    );
    assert!(listed.iter().any(|i| i.label == "Ann"));
    // Restored, the note is back on its contact; people may not purge.
    trash::restore(&mut tx, ArchivedKind::Note, note.id)
        .await
        .unwrap();
    assert_eq!(
        notes::of(&mut tx, Target::Contact(ann.id))
            .await
            .unwrap()
            .len(),
        1
    );
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    let r = trash::purge(&mut tx, Utc::now() + Duration::days(1)).await;
    assert!(matches!(r, Err(DbError::Forbidden(_))), "{r:?}");
    drop(tx);
    // Another client's trash is empty and its purge touches nothing here.
    let mut tx = t.tx(b, Actor::Agent).await;
    assert!(trash::list(&mut tx, 10).await.unwrap().is_empty());
    assert_eq!(
        trash::purge(&mut tx, Utc::now() + Duration::days(1))
            .await
            .unwrap(),
        0
    );
    tx.commit().await.unwrap();

    // Archived before the cut-off: nothing yet. After it: gone for good.
    let mut tx = t.tx(a, Actor::Agent).await;
    assert_eq!(
        trash::purge(&mut tx, Utc::now() - Duration::days(30))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        trash::purge(&mut tx, Utc::now() + Duration::days(1))
            .await
            .unwrap(),
        3,
        "the to-do, the deal and the contact"
    );
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    assert!(trash::list(&mut tx, 10).await.unwrap().is_empty());
    let r = trash::restore(&mut tx, ArchivedKind::Contact, ann.id).await;
    assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
    drop(tx);
    let mut tx = t.tx(a, human).await;
    // What stands on its own stays: the company, the call (without its
    // contact and deal), the note (without its link), the stage's totals.
    assert!(records::get::<Company>(&mut tx, acme.id).await.is_ok());
    let kept = activities::recent(&mut tx, None, None, 10).await.unwrap();
    let kept = kept
        .iter()
        .find(|x| x.id == call.id)
        .expect("the call stays");
    assert_eq!((kept.contact_id, kept.deal_id), (None, None));
    assert_eq!(kept.company_id, Some(acme.id));
    assert!(records::get::<Deal>(&mut tx, deals[0]).await.is_err());
    let totals: i64 = sqlx::query_scalar("SELECT deal_count FROM crm_pipeline WHERE stage_id = $1")
        .bind(stages[0])
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(totals, 0);
}
