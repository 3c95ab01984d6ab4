//! What arlo infers becomes a suggestion, never a write: a meeting note
//! that says when to talk again suggests the recontact date once; the
//! founder's accept writes it as the founder, a dismiss writes nothing.

use redkey::arlo::Arlo;
use redkey_data::{
    strategic::{self, StrategicChange},
    suggestions, tasks, Actor,
};
use redkey_types::{SuggestedField, SuggestionStatus};
use serde_json::json;

use super::*;

#[tokio::test]
async fn a_meeting_note_suggests_a_recontact_date_once_and_accepting_writes_it() {
    let d = demo().await;
    let engine = d.engine(Arlo::default());
    let sarah = d.contact("sarah.whitfield@meridian.test").await;
    let payload = json!({
        "contact_email": "sarah.whitfield@meridian.test", "kind": "meeting",
        "subject": "Budget review", "body": "Good call. Let's talk again in March.",
        "external_key": "meeting-1",
    });
    for _ in 0..2 {
        let mut tx = d.t.tx(d.client, Actor::Agent).await;
        let task = tasks::NewTask::new(
            "roles.crm",
            "activity.log",
            payload.clone(),
            "agent:notes".into(),
        );
        tasks::enqueue(&mut tx, &task).await.unwrap();
        tx.commit().await.unwrap();
        engine.run_one().await.unwrap().unwrap();
    }
    let mut tx = d.t.tx(d.client, Actor::User(d.founder)).await;
    let open = suggestions::open(&mut tx, 10).await.unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    let s = &open[0];
    assert_eq!(
        (s.record_id, s.field, s.record_label.as_str()),
        (sarah.id, SuggestedField::RecontactAt, "Sarah Whitfield")
    );
    assert!(s.why.contains("talk again in march"), "{}", s.why);
    // Nothing was written: the contact's recontact date is untouched.
    assert_eq!(
        d.contact("sarah.whitfield@meridian.test")
            .await
            .recontact_at,
        None
    );
    let proposed: chrono::DateTime<chrono::Utc> = s.proposed.as_str().unwrap().parse().unwrap();
    use chrono::Datelike;
    assert_eq!((proposed.month(), proposed.day()), (3, 1));

    // Arlo cannot decide its own suggestion.
    let mut agent = d.t.tx(d.client, Actor::Agent).await;
    assert!(suggestions::decide(&mut agent, s.id, true).await.is_err());
    drop(agent);

    let decided = suggestions::decide(&mut tx, s.id, true).await.unwrap();
    assert_eq!(decided.status, SuggestionStatus::Accepted);
    let record = RecordRef {
        kind: decided.record_kind,
        id: decided.record_id,
    };
    let today = redkey_data::calendar::today(&mut tx, chrono::Utc::now())
        .await
        .unwrap();
    strategic::apply(
        &mut tx,
        record,
        StrategicChange::RecontactAt(proposed),
        today,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        d.contact("sarah.whitfield@meridian.test")
            .await
            .recontact_at,
        Some(proposed)
    );
    let mut tx = d.t.tx(d.client, Actor::User(d.founder)).await;
    assert_eq!(
        redkey_data::users::navigation(&mut tx, d.founder)
            .await
            .unwrap()
            .1,
        0
    );
    // Decided once: a second decision finds nothing open.
    assert!(suggestions::decide(&mut tx, s.id, false).await.is_err());
}

#[tokio::test]
async fn another_clients_suggestion_cannot_be_decided() {
    let d = demo().await;
    let harbor = ClientId(
        redkey::admin::clients(&d.t.owner)
            .await
            .unwrap()
            .iter()
            .find(|c| c.1 == "harbor")
            .unwrap()
            .0,
    );
    let sarah = d.contact("sarah.whitfield@meridian.test").await;
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let id = suggestions::suggest(
        &mut tx,
        &suggestions::NewSuggestion {
            record: RecordRef {
                kind: redkey_types::RecordKind::Contact,
                id: sarah.id,
            },
            field: SuggestedField::Priority,
            proposed: json!("high"),
            why: "She replied within the hour twice.".into(),
            source: "test:1".into(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    let mut other = d.t.tx(harbor, Actor::User(d.founder)).await;
    assert!(matches!(
        suggestions::decide(&mut other, id, true).await,
        Err(redkey_data::DbError::NotFound)
    ));
    drop(other);
    let mut other = d.t.tx(harbor, Actor::User(d.founder)).await;
    assert_eq!(
        redkey_data::users::navigation(&mut other, d.founder)
            .await
            .unwrap()
            .1,
        0
    );
}
