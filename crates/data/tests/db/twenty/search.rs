//! Search over Twenty's rows: what Twenty's own app writes, renames and
//! deletes is found (or no longer found) at once, and rows written while
//! the adapter was away for an upgrade are found after it.

use redkey_data::{search, twenty};
use redkey_types::FoundKind;
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached};

async fn found(
    t: &redkey_testkit::TestDb,
    a: redkey_data::ClientId,
    human: redkey_data::Actor,
    query: &str,
) -> Vec<(FoundKind, Uuid, String)> {
    let mut tx = t.tx(a, human).await;
    let hits = search::everything(&mut tx, query, 20).await.unwrap();
    tx.commit().await.unwrap();
    hits.into_iter().map(|h| (h.kind, h.id, h.label)).collect()
}

/// Each search side row's id and row version (`xmin`), read as their owner.
async fn side_versions(t: &redkey_testkit::TestDb) -> Vec<(Uuid, String)> {
    let mut tx = t.owner.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE redkey_owner")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows = sqlx::query_as(
        "SELECT record_id, xmin::text FROM redkey_twenty.record_search \
         UNION ALL SELECT person_id, xmin::text FROM redkey_twenty.contact_search",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    rows
}

#[tokio::test]
async fn what_twenty_writes_renames_and_deletes_is_searched_as_it_is() {
    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.company (name) VALUES ('Initech') RETURNING id;
         INSERT INTO workspace_a.person (\"nameFirstName\", \"nameLastName\", \"emailsPrimaryEmail\")
           VALUES ('Peter', 'Gibbons', 'peter@initech.test') RETURNING id;
         INSERT INTO workspace_a.opportunity (name, stage) VALUES ('Initech TPS reports', 'NEW') RETURNING id;
         INSERT INTO workspace_a.task (title) VALUES ('Call Initech about TPS') RETURNING id;",
    )
    .await;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.get(0)).collect();
    let hits = found(&t, a, human, "initek").await;
    for (kind, id) in [
        (FoundKind::Company, ids[0]),
        (FoundKind::Deal, ids[2]),
        (FoundKind::Todo, ids[3]),
    ] {
        assert!(
            hits.iter().any(|h| (h.0, h.1) == (kind, id)),
            "{kind}: {hits:?}"
        );
    }
    let peter = found(&t, a, human, "gibons").await;
    assert_eq!(
        peter,
        [(FoundKind::Contact, ids[1], "Peter Gibbons".into())]
    );
    // Arlo's resolver finds the deal by its name.
    let mut tx = t.tx(a, human).await;
    let records = search::records(&mut tx, "tps reports", 5).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(records[0].id, ids[2], "{records:?}");

    // Renamed and soft-deleted in Twenty's app.
    as_twenty(
        &t,
        "UPDATE workspace_a.company SET name = 'Initrode';
         UPDATE workspace_a.person SET \"deletedAt\" = now();",
    )
    .await;
    assert!(found(&t, a, human, "gibbons").await.is_empty());
    let renamed = found(&t, a, human, "initrode").await;
    assert_eq!(renamed.len(), 1, "{renamed:?}");
    assert_eq!((renamed[0].0, renamed[0].1), (FoundKind::Company, ids[0]));

    // Written while the adapter was away for an upgrade: found after it;
    // what did not change keeps its side row as it was (not rewritten).
    let before = side_versions(&t).await;
    twenty::before_upgrade(&t.owner).await.unwrap();
    as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"nameLastName\") VALUES ('Milton', 'Waddams');
         UPDATE workspace_a.person SET \"deletedAt\" = NULL;
         UPDATE workspace_a.company SET name = 'Initrode Global';
         UPDATE workspace_a.task SET \"deletedAt\" = now();",
    )
    .await;
    twenty::after_upgrade(&t.owner).await.unwrap();
    let after = side_versions(&t).await;
    let version =
        |rows: &[(Uuid, String)], id: Uuid| rows.iter().find(|r| r.0 == id).map(|r| r.1.clone());
    assert!(version(&before, ids[2]).is_some());
    assert_eq!(
        version(&before, ids[2]),
        version(&after, ids[2]),
        "the deal's row was rewritten"
    );
    assert_ne!(version(&before, ids[0]), version(&after, ids[0]));
    assert_eq!(
        version(&after, ids[3]),
        None,
        "the deleted task is still searched"
    );
    let renamed = found(&t, a, human, "initrode global").await;
    assert_eq!((renamed[0].0, renamed[0].1), (FoundKind::Company, ids[0]));
    let names: Vec<String> = found(&t, a, human, "waddams gibbons milton peter")
        .await
        .into_iter()
        .map(|h| h.2)
        .collect();
    assert!(
        names.is_empty(),
        "every word must match one record: {names:?}"
    );
    assert_eq!(found(&t, a, human, "waddams").await[0].2, "Milton Waddams");
    assert_eq!(found(&t, a, human, "gibbons").await[0].2, "Peter Gibbons");
}
