//! Erasing a person of an attached client: Twenty's person, the notes,
//! tasks, files and timeline about them, the adapter's rows and arlo's
//! work naming them all go; someone else's rows stay; the address stays
//! suppressed as a hash; one erasure record counts both sides.

use redkey_data::{
    activities::{self, NewActivity},
    contacts::ContactField,
    erasure, records,
    tasks::{self, NewTask},
    Actor,
};
use redkey_testkit::TestDb;
use redkey_types::Contact;
use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached};

/// Every table, ours, the adapter's and Twenty's, whose rows mention Zelda.
async fn traces(t: &TestDb, zelda: Uuid) -> Vec<(String, i64)> {
    let patterns = [
        "%zelda.q@example.org%".to_string(),
        "%quixotefeld%".into(),
        format!("%{zelda}%"),
    ];
    t.rows_like(&["public", "redkey_twenty", "workspace_a"], &patterns)
        .await
}

#[tokio::test]
async fn an_erasure_reaches_twentys_person_and_everything_about_them() {
    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"nameLastName\", \"emailsPrimaryEmail\")
           VALUES ('Zelda', 'Quixotefeld', 'Zelda.Q@example.org') RETURNING id;
         INSERT INTO workspace_a.person (\"nameFirstName\", \"emailsPrimaryEmail\")
           VALUES ('Otto', 'otto@example.org') RETURNING id;",
    )
    .await;
    let (zelda, otto): (Uuid, Uuid) = (rows[0].get(0), rows[1].get(0));
    as_twenty(
        &t,
        &format!(
            "WITH n AS (INSERT INTO workspace_a.note (title) VALUES ('Quixotefeld call') RETURNING id)
             INSERT INTO workspace_a.\"noteTarget\" (\"noteId\", \"personId\") SELECT id, '{zelda}' FROM n;
             WITH k AS (INSERT INTO workspace_a.task (title) VALUES ('Send Zelda the deck') RETURNING id)
             INSERT INTO workspace_a.\"taskTarget\" (\"taskId\", \"personId\") SELECT id, '{zelda}' FROM k;
             INSERT INTO workspace_a.attachment (name, \"fullPath\", \"personId\")
               VALUES ('cv.pdf', 'attachment/zelda-cv.pdf', '{zelda}');
             INSERT INTO workspace_a.note (title) VALUES ('About Otto');
             INSERT INTO workspace_a.opportunity (name, stage, \"pointOfContactId\")
               VALUES ('Big deal', 'NEW', '{zelda}');"
        ),
    )
    .await;
    // The cockpit and arlo about her: a strategic note (history and a
    // Twenty timeline event), an activity, arlo's task naming her.
    let mut tx = t.tx(a, human).await;
    let _: Contact = records::update(
        &mut tx,
        zelda,
        vec![ContactField::RelationshipNote(Some("Met at a fair".into()))],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, Actor::Agent).await;
    activities::log(
        &mut tx,
        NewActivity {
            kind: "email_received".into(),
            subject: Some("Re: deck".into()),
            contact_id: Some(zelda),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tasks::enqueue(
        &mut tx,
        &NewTask::new(
            "roles.crm",
            "enrich.contact",
            json!({ "contact_id": zelda }),
            "agent:test".into(),
        ),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(
        traces(&t, zelda).await.len() >= 8,
        "{:?}",
        traces(&t, zelda).await
    );

    let mut tx = t.tx(a, human).await;
    let erased = erasure::forget(&mut tx, "  ZELDA.q@example.org ")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(traces(&t, zelda).await, Vec::<(String, i64)>::new());
    assert_eq!(erased.file_keys, ["attachment/zelda-cv.pdf"]);
    for (kind, n) in [
        ("contacts", 1),
        ("notes", 1),
        ("tasks", 1),
        ("files", 1),
        ("activities", 1),
        ("arlo_tasks", 1),
    ] {
        assert_eq!(
            erased.removed.get(kind),
            Some(&n),
            "{kind}: {:?}",
            erased.removed
        );
    }

    // Someone else's rows stay; the deal stays, without its contact.
    let left = as_twenty(
        &t,
        "SELECT (SELECT array_agg(id) FROM workspace_a.person),
                (SELECT array_agg(title) FROM workspace_a.note),
                (SELECT count(*) FROM workspace_a.opportunity WHERE \"pointOfContactId\" IS NULL)",
    )
    .await;
    assert_eq!(left[0].get::<Vec<Uuid>, _>(0), [otto]);
    assert_eq!(left[0].get::<Vec<String>, _>(1), ["About Otto"]);
    assert_eq!(left[0].get::<i64, _>(2), 1);
    // One record, both sides counted; the address suppressed as a hash.
    let mut tx = t.tx(a, human).await;
    let (records, suppressed): (i64, bool) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM crm_erasures WHERE (removed ->> 'contacts')::int = 1),
                EXISTS (SELECT 1 FROM crm_suppressions
                        WHERE email_sha256 = sha256('zelda.q@example.org') AND reason = 'erased')",
    )
    .fetch_one(tx.conn())
    .await
    .unwrap();
    assert_eq!((records, suppressed), (1, true));
    drop(tx);

    // The owner's command line reaches Twenty's people too.
    let erased = erasure::forget_as_owner(&t.owner, a.0, "otto@example.org")
        .await
        .unwrap();
    assert_eq!(erased.removed.get("contacts"), Some(&1));
    let left = as_twenty(&t, "SELECT count(*) FROM workspace_a.person").await;
    assert_eq!(left[0].get::<i64, _>(0), 0);
}
