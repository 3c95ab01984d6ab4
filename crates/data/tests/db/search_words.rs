//! Search everywhere's contacts side reads a table of the names' words
//! first, and the whole names when no word matches or when a word is held
//! by so many contacts that the scan of the whole names is cheaper.

use redkey_data::{contacts::ContactField, records, search};
use redkey_testkit::TestDb;

use crate::support::surnamed_contacts;

/// Search everywhere finds a contact by the words of its names first, and
/// by the whole names when no word matches; the words follow a rename and
/// go with the contact.
#[tokio::test]
async fn contacts_are_found_word_by_word_and_across_words() {
    use redkey_data::audit::{self, Kind};

    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    surnamed_contacts(&t, a, human, 3000).await;
    surnamed_contacts(&t, b, human, 20).await;
    let mut tx = t.tx(a, human).await;
    let john = records::create::<ContactField>(
        &mut tx,
        vec![
            ContactField::FirstName("John".into()),
            ContactField::LastName("Smith".into()),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let words = analysed_words(&t).await;

    let mut tx = t.tx(a, human).await;
    let labels = |hits: &[redkey_types::Found]| {
        hits.iter()
            .map(|h| h.label.clone())
            .collect::<Vec<String>>()
    };
    let reads_before = word_reads(&mut tx, words).await;
    let typo = search::everything(&mut tx, "surnam1234", 20).await.unwrap();
    // The words were read, not only the whole names the step falls back to.
    assert!(word_reads(&mut tx, words).await > reads_before);
    assert_eq!(labels(&typo)[0], "Ann Surname1234", "{typo:?}");
    assert!(typo.len() < 20, "{typo:?}");
    let whole = search::everything(&mut tx, "surname12", 20).await.unwrap();
    assert_eq!(labels(&whole), ["Ann Surname12"], "{whole:?}");
    let common = search::everything(&mut tx, "ann", 20).await.unwrap();
    assert_eq!(common.len(), 20);
    assert!(
        common.iter().all(|h| h.label.starts_with("Ann ")),
        "{common:?}"
    );
    // No word of John Smith's is close to "johnsmith"; his names are.
    let joined = search::everything(&mut tx, "johnsmith", 20).await.unwrap();
    assert_eq!(labels(&joined), ["John Smith"], "{joined:?}");

    records::update(
        &mut tx,
        john.id,
        vec![ContactField::LastName("Smythe".into())],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(words_of(&t, words, john.id).await, ["john", "smythe"]);
    let mut tx = t.tx(a, human).await;
    assert_eq!(
        labels(&search::everything(&mut tx, "smythe", 20).await.unwrap()),
        ["John Smythe"]
    );
    audit::archive(&mut tx, Kind::Contact, john.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(words_of(&t, words, john.id).await.is_empty());
    // The other client (20 contacts) finds only its own near-misses.
    let mut tx = t.tx(b, human).await;
    let other = search::everything(&mut tx, "surname1234", 20)
        .await
        .unwrap();
    assert!(
        !other.is_empty() && !labels(&other).contains(&"Ann Surname1234".to_string()),
        "{other:?}"
    );
}

/// A word most contacts hold is not looked up among the words: the
/// planner's estimate of its holders (over 5,000) sends the search straight
/// to the whole names, which finds the same contacts.
#[tokio::test]
async fn a_word_most_contacts_hold_skips_the_words() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    // Every contact's address holds the word "test" (p1@x.test, ...).
    // 6,500 of them keep the sampled estimate well clear of 5,000: at
    // 5,200 one unlucky ANALYZE sample could land under it.
    surnamed_contacts(&t, a, human, 6500).await;
    let words = analysed_words(&t).await;

    let mut tx = t.tx(a, human).await;
    let reads_before = word_reads(&mut tx, words).await;
    let common = search::everything(&mut tx, "test", 20).await.unwrap();
    assert_eq!(word_reads(&mut tx, words).await, reads_before);
    assert_eq!(common.len(), 20, "{common:?}");
    assert!(
        common
            .iter()
            .all(|h| h.kind == redkey_types::FoundKind::Contact && h.label.contains("Surname")),
        "{common:?}"
    );
    // A word few contacts hold is looked up among the words.
    let rare = search::everything(&mut tx, "surname4242", 20)
        .await
        .unwrap();
    assert!(word_reads(&mut tx, words).await > reads_before);
    assert_eq!(rare[0].label, "Ann Surname4242", "{rare:?}");
}

/// The words table, analysed as autovacuum would in time: the planner's
/// estimate of a word's holders decides whether the words are read.
async fn analysed_words(t: &TestDb) -> &'static str {
    let words = if redkey_testkit::over_twenty() {
        "redkey_twenty.contact_search_words"
    } else {
        "contact_search_words"
    };
    sqlx::query(&format!("ANALYZE {words}"))
        .execute(&t.owner)
        .await
        .unwrap();
    words
}

async fn words_of(t: &TestDb, table: &str, person: uuid::Uuid) -> Vec<String> {
    sqlx::query_scalar(&format!(
        "SELECT word FROM {table} WHERE person_id = $1 ORDER BY word"
    ))
    .bind(person)
    .fetch_all(&t.owner)
    .await
    .unwrap()
}

/// Reads of the words table in this transaction so far, by its index or
/// whole: a word most contacts hold is cheaper to look up by a scan.
async fn word_reads(tx: &mut redkey_data::Tx, table: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT coalesce(idx_scan, 0) + coalesce(seq_scan, 0) FROM pg_stat_xact_user_tables \
         WHERE relid = to_regclass($1)",
    )
    .bind(table)
    .fetch_one(tx.conn())
    .await
    .unwrap()
}
