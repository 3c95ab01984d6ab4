//! The audit trail (role, user, instruction) and soft delete.

use redkey_data::{
    self as db,
    audit::{self, Kind},
    contacts::{self, ContactField},
    Actor, DbError,
};
use redkey_testkit::TestDb;
use redkey_types::Priority;
use uuid::Uuid;

use crate::support::{email, new_contact};
use redkey_data::records;
use redkey_types::Contact;

#[tokio::test]
async fn audit_records_role_user_and_instruction() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let Actor::User(user) = human else {
        unreachable!()
    };
    let contact = new_contact(&t, a, human, "Ann").await;

    let mut tx = t.tx(a, human).await;
    records::update(
        &mut tx,
        contact,
        vec![ContactField::Priority(Some(Priority::High))],
    )
    .await
    .unwrap();
    let instruction = db::store_instruction(&mut tx, "justin via atlas", "Mark Ann as critical")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, Actor::Agent).await;
    records::update(&mut tx, contact, vec![ContactField::OpenCount(2)])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.db.begin(a, Actor::OnBehalfOf(instruction)).await.unwrap();
    records::update(
        &mut tx,
        contact,
        vec![ContactField::Priority(Some(Priority::Critical))],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    let changes = audit::changes_of(&mut tx, contact, 100).await.unwrap();
    let summary: Vec<(&str, &str, Option<Uuid>, Option<Uuid>)> = changes
        .iter()
        .map(|c| {
            (
                c.column_name.as_str(),
                c.acting_role.as_str(),
                c.user_id,
                c.on_behalf_of,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("priority", "redkey_human", None, Some(instruction)),
            ("open_count", "redkey_agent", None, None),
            ("priority", "redkey_human", Some(user), None),
        ]
    );
    assert_eq!(changes[0].old_value, Some(serde_json::json!("high")));
    assert_eq!(changes[0].new_value, Some(serde_json::json!("critical")));
}

#[tokio::test]
async fn a_strategic_change_needs_a_user_or_a_stored_instruction() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let contact = new_contact(&t, a, human, "Ann").await;
    // As redkey_human but with neither a user nor an instruction.
    let mut tx = t.serving.begin().await.unwrap();
    sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
        .bind(a.0.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SET LOCAL ROLE redkey_human")
        .execute(&mut *tx)
        .await
        .unwrap();
    // Where the client's views are (the adapter's, for a Twenty workspace).
    sqlx::query("SELECT set_config('search_path', redkey_search_path(), true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("UPDATE crm_contacts SET priority = 'high' WHERE id = $1")
        .bind(contact)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(matches!(DbError::from(err), DbError::NoAuthority(_)));
    // An instruction id that was never stored is refused too.
    let mut tx =
        t.db.begin(a, Actor::OnBehalfOf(Uuid::new_v4()))
            .await
            .unwrap();
    let r = records::update(
        &mut tx,
        contact,
        vec![ContactField::Priority(Some(Priority::High))],
    )
    .await;
    assert!(r.is_err(), "{r:?}");
}

#[tokio::test]
async fn soft_delete_hides_and_restore_returns() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let contact = new_contact(&t, a, human, "Ann").await;
    let mut tx = t.tx(a, human).await;
    audit::archive(&mut tx, Kind::Contact, contact)
        .await
        .unwrap();
    assert!(matches!(
        records::get::<Contact>(&mut tx, contact).await,
        Err(DbError::NotFound)
    ));
    assert!(contacts::page(&mut tx, &Default::default(), 10)
        .await
        .unwrap()
        .is_empty());
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    assert!(matches!(
        audit::archive(&mut tx, Kind::Contact, contact).await,
        Err(DbError::NotFound)
    ));
    let mut tx = t.tx(a, human).await;
    // The freed email may be reused, and then restoring the old row clashes.
    records::create(
        &mut tx,
        vec![
            ContactField::FirstName("New".into()),
            ContactField::Email(email("ann@example.test")),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    let r = audit::restore(&mut tx, Kind::Contact, contact).await;
    assert!(
        matches!(&r, Err(DbError::Conflict(m)) if m.contains("email already exists")),
        "{r:?}"
    );
    let other = new_contact(&t, a, human, "Bob").await;
    let mut tx = t.tx(a, human).await;
    audit::archive(&mut tx, Kind::Contact, other).await.unwrap();
    audit::restore(&mut tx, Kind::Contact, other).await.unwrap();
    assert_eq!(
        records::get::<Contact>(&mut tx, other)
            .await
            .unwrap()
            .first_name,
        "Bob"
    );
}
