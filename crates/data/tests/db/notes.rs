//! The notes list: newest first, searchable literally, paged by keyset,
//! each note with the records it is about, one client only.

use redkey_data::notes::{self, Target};
use redkey_testkit::TestDb;

use crate::support::new_contact;

#[tokio::test]
async fn notes_are_listed_newest_first_searched_and_paged_within_the_client() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let ann = new_contact(&t, a, human, "Ann").await;
    let ben = new_contact(&t, b, human, "Ben").await;
    // One transaction each: a note is stamped with its transaction's time.
    let mut written = (0..5)
        .map(|i| {
            (
                format!("Call {i}"),
                format!("Call {i} about the 50% discount"),
            )
        })
        .collect::<Vec<_>>();
    written.push(("Lunch".into(), "Lunch with the CFO".into()));
    for (title, body) in &written {
        let mut tx = t.tx(a, human).await;
        notes::add(&mut tx, Target::Contact(ann), title, body)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let mut tx = t.tx(b, human).await;
    notes::add(&mut tx, Target::Contact(ben), "Beta", "Beta's CFO lunch")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    let first = notes::page(&mut tx, None, None, 4).await.unwrap();
    assert_eq!(first.len(), 4);
    assert_eq!(first[0].0.title, "Lunch", "newest first");
    assert_eq!(first[0].1.len(), 1);
    assert_eq!(first[0].1[0].id, ann);
    assert_eq!(first[0].1[0].label, "Ann Tester");
    let rest = notes::page(&mut tx, None, Some(first[3].0.id), 4)
        .await
        .unwrap();
    let mut seen: Vec<_> = first.iter().chain(&rest).map(|(n, _)| n.id).collect();
    assert_eq!(seen.len(), 6);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 6, "every note once");

    let cfo = notes::page(&mut tx, Some("cfo"), None, 10).await.unwrap();
    assert_eq!(
        cfo.len(),
        1,
        "case-insensitive, and never the other client's"
    );
    // `%` is a character to find, not a wildcard.
    let percent = notes::page(&mut tx, Some("50%"), None, 10).await.unwrap();
    assert_eq!(percent.len(), 5);
    assert!(notes::page(&mut tx, Some("5%0"), None, 10)
        .await
        .unwrap()
        .is_empty());
    // A cursor naming no note of this client starts from the newest.
    let foreign = notes::page(&mut tx, None, Some(ben), 2).await.unwrap();
    assert_eq!(foreign[0].0.title, "Lunch");
}
