//! Contacts and notes written on either side: strategic changes stay off
//! Twenty's rows, Twenty fields go to them, emails stay unique in any case.

use redkey_data::{contacts::ContactField, notes, records, Actor, DbError};
use redkey_types::{Contact, Priority};
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached};

#[tokio::test]
async fn a_strategic_change_stays_off_twentys_row_and_follows_the_field_rules() {
    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"jobTitle\") VALUES ('Ann', 'CTO')
         RETURNING id, \"updatedAt\"::text",
    )
    .await;
    let (person, stamped): (Uuid, String) = (rows[0].get(0), rows[0].get(1));

    let mut tx = t.tx(a, human).await;
    let c: Contact = records::update(
        &mut tx,
        person,
        vec![
            ContactField::Priority(Some(Priority::High)),
            ContactField::StrategyNote(Some("land the pilot".into())),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(c.priority, Some(Priority::High));
    assert_eq!(c.first_name, "Ann");

    let rows = as_twenty(
        &t,
        "SELECT \"nameFirstName\", \"jobTitle\", \"updatedAt\"::text FROM workspace_a.person",
    )
    .await;
    assert_eq!(rows[0].get::<String, _>(0), "Ann");
    assert_eq!(rows[0].get::<String, _>(1), "CTO");
    assert_eq!(
        rows[0].get::<String, _>(2),
        stamped,
        "Twenty's row is untouched"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM field_changes WHERE row_id = $1 AND column_name = 'priority'",
    )
    .bind(person)
    .fetch_one(&t.owner)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // Arlo alone may not: Postgres refuses the column to its role.
    let mut tx = t.tx(a, Actor::Agent).await;
    let refused = records::update(
        &mut tx,
        person,
        vec![ContactField::StrategyNote(Some("mine".into()))],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, DbError::FieldForbidden { .. }),
        "{refused:?}"
    );
    tx.rollback().await.unwrap();
    // ...while its operational fields go to the extension table, and a
    // person's edit of a Twenty field goes to Twenty's row.
    let mut tx = t.tx(a, Actor::Agent).await;
    records::update(&mut tx, person, vec![ContactField::OpenCount(3)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    records::update(
        &mut tx,
        person,
        vec![ContactField::JobTitle(Some("CEO".into()))],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(&t, "SELECT \"jobTitle\" FROM workspace_a.person").await;
    assert_eq!(rows[0].get::<String, _>(0), "CEO");

    // A contact the cockpit creates is Twenty's row too.
    let mut tx = t.tx(a, human).await;
    let made: Contact = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Bea".into()),
            ContactField::Email(Some(
                redkey_types::EmailAddress::parse("bea@x.test").unwrap(),
            )),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(
        &t,
        &format!(
            "SELECT \"emailsPrimaryEmail\", \"jobTitle\" FROM workspace_a.person WHERE id = '{}'",
            made.id
        ),
    )
    .await;
    assert_eq!(rows[0].get::<String, _>(0), "bea@x.test");
    assert_eq!(rows[0].get::<String, _>(1), "");
}

/// A note is one set: Twenty's notes on a contact are the cockpit's, and a
/// note the cockpit adds is Twenty's, with a document Twenty's editor shows.
#[tokio::test]
async fn notes_written_on_either_side_are_one_set() {
    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\") VALUES ('Ann') RETURNING id;
         INSERT INTO workspace_a.note (title, \"bodyV2Markdown\") VALUES ('From Twenty', 'hello') RETURNING id;
         INSERT INTO workspace_a.\"noteTarget\" (\"noteId\", \"personId\")
           SELECT n.id, p.id FROM workspace_a.note n, workspace_a.person p;",
    )
    .await;
    let person: Uuid = rows[0].get(0);
    let mut tx = t.tx(a, human).await;
    let on = notes::of(&mut tx, notes::Target::Contact(person))
        .await
        .unwrap();
    assert_eq!(
        on.iter()
            .map(|n| (n.title.as_str(), n.body_markdown.as_str()))
            .collect::<Vec<_>>(),
        [("From Twenty", "hello")]
    );
    let added = notes::add(
        &mut tx,
        notes::Target::Contact(person),
        "Call",
        "line one\nline two",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(
        &t,
        &format!(
            "SELECT n.\"bodyV2Markdown\", n.\"bodyV2Blocknote\", nt.\"personId\"
             FROM workspace_a.note n JOIN workspace_a.\"noteTarget\" nt ON nt.\"noteId\" = n.id
             WHERE n.id = '{}'",
            added.id
        ),
    )
    .await;
    assert_eq!(rows[0].get::<String, _>(0), "line one\nline two");
    let blocks: serde_json::Value = serde_json::from_str(&rows[0].get::<String, _>(1)).unwrap();
    let lines: Vec<&str> = blocks
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["content"][0]["text"].as_str().unwrap())
        .collect();
    assert_eq!(lines, ["line one", "line two"]);
    assert_eq!(rows[0].get::<Uuid, _>(2), person);
}

/// An email address is one contact's, whatever its case, as on the main
/// tables: Twenty's own index would let a differently cased copy in.
#[tokio::test]
async fn a_duplicate_email_in_another_case_is_a_clear_conflict() {
    let (t, a, human) = attached().await;
    as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"emailsPrimaryEmail\") VALUES ('Ann', 'ann@x.test')",
    )
    .await;
    let mut tx = t.tx(a, human).await;
    let refused = records::create::<ContactField>(
        &mut tx,
        vec![
            ContactField::FirstName("Dup".into()),
            ContactField::Email(Some(
                redkey_types::EmailAddress::parse("ANN@x.test").unwrap(),
            )),
        ],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&refused, DbError::Conflict(m) if m == "a contact with this email already exists"),
        "{refused:?}"
    );
}
