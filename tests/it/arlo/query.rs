//! Questions: answered from the views with the records they rest on,
//! through the built-in and a fake model, and nothing is ever written.

use redkey::arlo::Arlo;
use redkey_data::{activities, Actor};
use redkey_types::RecordKind;
use serde_json::json;

use super::*;
use crate::helpers::fake_anthropic::message;

/// Rows that would show a write: audited changes and activities.
async fn writes(d: &Demo) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM field_changes), (SELECT count(*) FROM activities)")
        .fetch_one(&d.t.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_built_in_answers_with_the_records_it_used_and_writes_nothing() {
    let d = demo().await;
    let engine = d.engine(Arlo::default());
    let before = writes(&d).await;

    let a = d.ask(&engine, "Summarise the pipeline").await;
    assert!(a.answer.contains("open deals"), "{}", a.answer);
    assert!(a.answer.contains("Sales · Lead"), "{}", a.answer);
    assert!(!a.records.is_empty() && a.records.iter().all(|r| r.kind == RecordKind::Deal));

    let a = d.ask(&engine, "Who should I recontact this week?").await;
    assert_eq!(a.answer, "Nobody is due a recontact in the coming week.");
    // A date set by the founder makes someone due.
    d.tell("The Acme deal is stalled — recontact in 3 days", None)
        .await;
    d.run(&engine).await;
    let a = d.ask(&engine, "Who should I recontact this week?").await;
    assert_eq!(a.records.len(), 1, "{a:?}");
    assert_eq!(a.records[0].label, "Acme Logistics — Renewal");
    let after_tell = writes(&d).await;

    // Three Sarahs: asked back, unless one of them was on yesterday's call.
    let a = d
        .ask(&engine, "Draft a follow-up to Sarah after yesterday's call")
        .await;
    assert!(a.answer.contains("3 contacts match"), "{}", a.answer);
    assert_eq!(a.records.len(), 3);
    let sarah = d.contact("sarah.whitfield@meridian.test").await;
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    activities::log(
        &mut tx,
        activities::NewActivity {
            kind: "call".into(),
            subject: Some("Budget review".into()),
            happens_at: Some(chrono::Utc::now() - chrono::Duration::hours(20)),
            contact_id: Some(sarah.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let with_call = writes(&d).await;
    let a = d
        .ask(&engine, "Draft a follow-up to Sarah after yesterday's call")
        .await;
    assert!(
        a.answer.contains("Subject: Following up on our call"),
        "{}",
        a.answer
    );
    assert!(
        a.answer.contains("Hi Sarah,") && a.answer.contains("about Budget review"),
        "{}",
        a.answer
    );
    assert_eq!(
        a.records.iter().map(|r| r.id).collect::<Vec<_>>(),
        [sarah.id]
    );

    // Only the founder's instruction and the test's call wrote anything.
    assert_eq!(before.1, after_tell.1);
    assert_eq!(with_call, writes(&d).await);
}

#[tokio::test]
async fn the_model_answers_from_the_context_and_names_only_records_it_was_shown() {
    let d = demo().await;
    let (client, fake) = fake_model().await;
    let engine = d.engine(Arlo::new(Some(client), 1_000_000));
    let stale = d.deal("Meridian Health — Pilot").await;
    let answer = json!({
        "answer": "Meridian's pilot has gone quiet; start there.",
        "records": [stale.id, Uuid::new_v4()],
    })
    .to_string();
    fake.script(
        200,
        message(json!([{ "type": "text", "text": answer }])),
        None,
    );
    let before = writes(&d).await;
    let a = d.ask(&engine, "Which deal should I worry about?").await;
    assert_eq!(a.answer, "Meridian's pilot has gone quiet; start there.");
    assert_eq!(
        a.records.iter().map(|r| r.id).collect::<Vec<_>>(),
        [stale.id]
    );
    let request = &fake.requests()[0].1;
    let system = request["system"].as_str().unwrap();
    assert!(
        system.contains("needs_attention") && system.contains(&stale.id.to_string()),
        "{system}"
    );
    assert_eq!(
        request["messages"][0]["content"],
        "Which deal should I worry about?"
    );
    assert_eq!(before, writes(&d).await);
}
