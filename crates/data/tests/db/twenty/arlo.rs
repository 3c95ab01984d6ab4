//! Arlo's work on Twenty's records: to-dos as Twenty's tasks, activities
//! and enrichment lookups pointing at Twenty's people.

use redkey_data::{notes, records, Actor, ClientId, DbError};
use redkey_types::Contact;
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached};

/// To-dos are Twenty's tasks: arlo adds one on a contact, Twenty sees it
/// linked, only a person completes it, and a reopening in Twenty's own app
/// shows in the cockpit.
#[tokio::test]
async fn todos_are_twentys_tasks_and_only_a_person_completes_them() {
    use redkey_data::todos::{self, NewTodo};
    use redkey_types::TodoStatus;

    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\") VALUES ('Ann') RETURNING id",
    )
    .await;
    let person: Uuid = rows[0].get(0);
    let mut tx = t.tx(a, Actor::Agent).await;
    let todo = todos::add(
        &mut tx,
        NewTodo {
            title: "Send the deck".into(),
            target: Some(notes::Target::Contact(person)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let task = |sql: &'static str| {
        let t = &t;
        async move { as_twenty(t, sql).await }
    };
    let rows = task(
        "SELECT t.title, t.status::text, tt.\"personId\" FROM workspace_a.task t \
         JOIN workspace_a.\"taskTarget\" tt ON tt.\"taskId\" = t.id",
    )
    .await;
    assert_eq!(
        (
            rows[0].get::<String, _>(0),
            rows[0].get::<String, _>(1),
            rows[0].get::<Uuid, _>(2)
        ),
        ("Send the deck".to_string(), "TODO".to_string(), person)
    );

    let mut tx = t.tx(a, Actor::Agent).await;
    let refused = todos::set_status(&mut tx, todo.id, TodoStatus::Done)
        .await
        .unwrap_err();
    assert!(matches!(refused, DbError::Forbidden(_)), "{refused:?}");
    tx.rollback().await.unwrap();

    let status = |client: ClientId| {
        let t = &t;
        async move {
            let mut tx = t.tx(client, human).await;
            let row: (String, Option<chrono::DateTime<chrono::Utc>>) =
                sqlx::query_as("SELECT status, completed_at FROM crm_todos")
                    .fetch_one(tx.conn())
                    .await
                    .unwrap();
            tx.commit().await.unwrap();
            row
        }
    };
    let mut tx = t.tx(a, human).await;
    todos::set_status(&mut tx, todo.id, TodoStatus::Done)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (done, at) = status(a).await;
    assert_eq!(done, "DONE");
    assert!(at.is_some());
    assert_eq!(
        task("SELECT status::text FROM workspace_a.task").await[0].get::<String, _>(0),
        "DONE"
    );
    task("UPDATE workspace_a.task SET status = 'TODO'").await;
    assert_eq!(status(a).await, ("TODO".to_string(), None));
}

/// Arlo logs email on a Twenty contact (once per external key, on its
/// timeline, moving its last activity) and enriches it; an id that is not
/// the workspace's is refused as a missing contact.
#[tokio::test]
async fn activities_point_at_twentys_records_and_move_their_last_activity() {
    use redkey_data::activities::{self, NewActivity};

    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\") VALUES ('Ann') RETURNING id",
    )
    .await;
    let person: Uuid = rows[0].get(0);
    let when = chrono::Utc::now() - chrono::Duration::hours(2);
    let email = |contact: Uuid| NewActivity {
        kind: "email_received".into(),
        subject: Some("Re: pilot".into()),
        happens_at: Some(when),
        contact_id: Some(contact),
        external_key: Some("msg-1@x.test".into()),
        ..Default::default()
    };
    let mut tx = t.tx(a, Actor::Agent).await;
    assert!(activities::log(&mut tx, email(person))
        .await
        .unwrap()
        .is_some());
    assert!(
        activities::log(&mut tx, email(person))
            .await
            .unwrap()
            .is_none(),
        "once per external key"
    );
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    let timeline = activities::latest_of(
        &mut tx,
        redkey_types::RecordKind::Contact,
        person,
        None,
        100,
    )
    .await
    .unwrap();
    assert_eq!(timeline.len(), 1);
    let c: Contact = records::get(&mut tx, person).await.unwrap();
    assert_eq!(
        c.last_activity_at.map(|t| t.timestamp_micros()),
        Some(when.timestamp_micros())
    );
    tx.commit().await.unwrap();

    // Enrichment: the contact is due, its lookup is recorded, then it is not.
    let mut tx = t.tx(a, Actor::Agent).await;
    assert!(
        redkey_data::enrichment::due(&mut tx, 30, 10)
            .await
            .unwrap()
            .is_empty(),
        "no email yet"
    );
    tx.rollback().await.unwrap();
    as_twenty(
        &t,
        "UPDATE workspace_a.person SET \"emailsPrimaryEmail\" = 'ann@x.test'",
    )
    .await;
    let mut tx = t.tx(a, Actor::Agent).await;
    assert_eq!(
        redkey_data::enrichment::due(&mut tx, 30, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    redkey_data::enrichment::record(&mut tx, person, "apollo", true, true)
        .await
        .unwrap();
    assert!(redkey_data::enrichment::due(&mut tx, 30, 10)
        .await
        .unwrap()
        .is_empty());
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, Actor::Agent).await;
    let mut stranger = email(Uuid::new_v4());
    stranger.external_key = Some("msg-2@x.test".into());
    let refused = activities::log(&mut tx, stranger).await.unwrap_err();
    assert!(
        matches!(&refused, DbError::Invalid(m) if m == "contact not found"),
        "{refused:?}"
    );
}
