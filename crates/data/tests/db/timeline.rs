//! Timelines a page at a time: walked by their cursors, every entry comes
//! once and in order, however many share an instant; only the client's own.

use chrono::{DateTime, Duration, Utc};
use redkey_data::{
    activities::{self, NewActivity},
    contacts::ContactField,
    records, timeline, Tx,
};
use redkey_testkit::TestDb;
use redkey_types::{Priority, RecordKind, Timeline, TimelineCursor};
use uuid::Uuid;

use crate::support::new_contact;

async fn note(tx: &mut Tx, contact: Uuid, subject: &str, at: DateTime<Utc>) {
    activities::log(
        tx,
        NewActivity {
            kind: "note".into(),
            subject: Some(subject.into()),
            happens_at: Some(at),
            contact_id: Some(contact),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// Every page of a timeline from the newest, `size` entries at a time.
async fn walk(
    tx: &mut Tx,
    read: impl AsyncFn(&mut Tx, Option<TimelineCursor>) -> Timeline,
) -> Vec<Timeline> {
    let mut pages = vec![];
    let mut before = None;
    loop {
        let page = read(tx, before).await;
        assert_eq!(page.paged, before.is_some());
        before = page.older.as_deref().map(|c| c.parse().unwrap());
        pages.push(page);
        if before.is_none() {
            return pages;
        }
    }
}

#[tokio::test]
async fn a_timeline_walked_page_by_page_shows_every_entry_once_in_order() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    let ann = new_contact(&t, alpha, human, "Ann").await;

    // Three changes in one transaction share its instant.
    let mut tx = t.tx(alpha, human).await;
    records::update(
        &mut tx,
        ann,
        vec![
            ContactField::Priority(Some(Priority::High)),
            ContactField::StrategyNote(Some("land".into())),
            ContactField::RelationshipNote(Some("met at the fair".into())),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(alpha, human).await;
    let at: DateTime<Utc> =
        sqlx::query_scalar("SELECT max(changed_at) FROM crm_field_changes WHERE row_id = $1")
            .bind(ann)
            .fetch_one(tx.conn())
            .await
            .unwrap();
    // Four notes at that instant too, and others before it, two by two.
    for (i, minutes) in [0, 0, 0, 0, -60, -60, -120, -30, -30]
        .into_iter()
        .enumerate()
    {
        note(
            &mut tx,
            ann,
            &format!("n{i}"),
            at + Duration::minutes(minutes),
        )
        .await;
    }
    tx.commit().await.unwrap();

    let mut tx = t.tx(alpha, human).await;
    let whole = timeline::of(&mut tx, RecordKind::Contact, ann, None, 1000)
        .await
        .unwrap();
    assert!(whole.older.is_none() && !whole.paged);
    let texts: Vec<&str> = whole.entries.iter().map(|e| e.text.as_str()).collect();
    // At the shared instant the notes come first, newest id first, then
    // the changes; the earliest note ends it.
    let at_instant: Vec<&str> = whole
        .entries
        .iter()
        .filter(|e| e.at == at)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(at_instant.len(), 7, "{texts:?}");
    assert!(
        at_instant[..4].iter().all(|t| t.starts_with("note: n")),
        "{texts:?}"
    );
    assert!(
        at_instant[4..].iter().all(|t| t.contains(" changed from ")),
        "{texts:?}"
    );
    assert!(at_instant.contains(&"priority changed from — to high by you"));
    assert_eq!(*texts.last().unwrap(), "note: n6");
    assert!(whole.entries.windows(2).all(|w| w[0].at >= w[1].at));

    for size in [1, 2, 3, 4, 7] {
        let pages = walk(&mut tx, async |tx: &mut Tx, before| {
            timeline::of(tx, RecordKind::Contact, ann, before, size)
                .await
                .unwrap()
        })
        .await;
        assert!(pages.iter().all(|p| p.entries.len() <= size as usize));
        assert!(pages.last().unwrap().older.is_none());
        let walked: Vec<_> = pages.into_iter().flat_map(|p| p.entries).collect();
        assert_eq!(walked, whole.entries, "pages of {size}");
    }

    // The feed walks the same way, and keeps to the kind asked for.
    let notes = walk(&mut tx, async |tx: &mut Tx, before| {
        timeline::feed(tx, Some("note"), before, 2).await.unwrap()
    })
    .await;
    let notes: Vec<String> = notes
        .into_iter()
        .flat_map(|p| p.entries)
        .map(|e| e.text)
        .collect();
    assert_eq!(notes.len(), 9, "{notes:?}");
    let mut sorted = notes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 9, "each note once");
    assert!(timeline::feed(&mut tx, Some("call"), None, 5)
        .await
        .unwrap()
        .entries
        .is_empty());
    drop(tx);

    // Another client's record has no timeline for this one, and the feed
    // holds only its own.
    let mut tx = t.tx(beta, human).await;
    let theirs = timeline::of(&mut tx, RecordKind::Contact, ann, None, 50)
        .await
        .unwrap();
    assert!(theirs.entries.is_empty() && theirs.older.is_none());
    let feed = timeline::feed(&mut tx, None, None, 50).await.unwrap();
    assert!(feed.entries.iter().all(|e| !e.text.starts_with("note: n")));
}
