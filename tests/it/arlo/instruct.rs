//! The founder's sentences, carried out against the demo data: the same
//! exact change sets through the built-in interpreter and a fake model;
//! ambiguity, unknown names and operational fields write nothing.

use redkey::arlo::Arlo;
use redkey_data::{audit, tasks, Actor};
use redkey_types::{AnsweredBy, AppliedChange, InstructOutcome, RecordKind, RecordRef};
use serde_json::json;

use super::*;
use crate::helpers::fake_anthropic::message;

const ACME: &str = "The Acme deal is stalled — budget freeze until Q3, recontact in July";
const SARAH: &str = "Mark Sarah at Meridian as a priority — strong champion, CFO relationship";
const VOLTA: &str = "Move the Volta deal to Negotiation, we're close";

/// The client's today and the coming July 1, 09:00 London time, as the
/// database computes them.
async fn today_and_july(d: &Demo) -> (String, String) {
    let (today, july): (chrono::NaiveDate, chrono::DateTime<chrono::Utc>) = sqlx::query_as(
        "WITH t AS (SELECT (now() AT TIME ZONE 'Europe/London')::date AS d) \
         SELECT d, (make_date(extract(year FROM d)::int + (extract(month FROM d) >= 7)::int, 7, 1) \
                    + time '09:00') AT TIME ZONE 'Europe/London' FROM t",
    )
    .fetch_one(&d.t.owner)
    .await
    .unwrap();
    (today.to_string(), july.to_rfc3339())
}

fn changes(r: &InstructResult) -> Vec<AppliedChange> {
    match &r.outcome {
        InstructOutcome::Done { changes } => changes.clone(),
        other => panic!("not done: {other:?}"),
    }
}

fn change(
    kind: RecordKind,
    id: Uuid,
    label: &str,
    field: &str,
    old: Option<&str>,
    new: &str,
) -> AppliedChange {
    AppliedChange {
        kind,
        id,
        label: label.into(),
        field: field.into(),
        old: old.map(String::from),
        new: Some(new.into()),
    }
}

/// Runs the three sentences with `engine` and checks each change set and
/// the records afterwards.
async fn the_three_sentences(d: &Demo, engine: &Engine, by: AnsweredBy) {
    let (today, july) = today_and_july(d).await;
    let acme = d.deal("Acme Logistics — Renewal").await;
    let task = d.tell(ACME, None).await;
    let r = d.run(engine).await;
    assert_eq!(r.answered_by, by);
    assert_eq!(r.sentence, ACME);
    let label = "Acme Logistics — Renewal";
    assert_eq!(
        changes(&r),
        vec![
            change(
                RecordKind::Deal,
                acme.id,
                label,
                "strategy_note",
                None,
                &format!("{today}: budget freeze until Q3")
            ),
            change(
                RecordKind::Deal,
                acme.id,
                label,
                "recontact_at",
                None,
                &july
            ),
        ]
    );
    let after = d.deal(label).await;
    assert_eq!(
        (after.priority, after.stage_id),
        (acme.priority, acme.stage_id)
    );
    // The timeline shows the sentence with every change.
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let trail = audit::changes_of(&mut tx, acme.id, 100).await.unwrap();
    drop(tx);
    let by_instruction: Vec<_> = trail.iter().filter(|c| c.on_behalf_of.is_some()).collect();
    assert_eq!(by_instruction.len(), 2);
    assert!(by_instruction
        .iter()
        .all(|c| c.instruction.as_deref() == Some(ACME)));
    assert_eq!(d.writes_of(task).await, 2);

    let sarah = d.contact("sarah.whitfield@meridian.test").await;
    d.tell(SARAH, None).await;
    let r = d.run(engine).await;
    assert_eq!(
        changes(&r),
        vec![
            change(
                RecordKind::Contact,
                sarah.id,
                "Sarah Whitfield",
                "priority",
                None,
                "high"
            ),
            change(
                RecordKind::Contact,
                sarah.id,
                "Sarah Whitfield",
                "relationship_note",
                None,
                &format!("{today}: strong champion, CFO relationship")
            ),
        ]
    );

    let volta = d.deal("Volta Energy — Expansion").await;
    d.tell(VOLTA, None).await;
    let r = d.run(engine).await;
    assert_eq!(
        changes(&r),
        vec![change(
            RecordKind::Deal,
            volta.id,
            "Volta Energy — Expansion",
            "stage",
            Some("Qualified"),
            "Negotiation"
        )]
    );
    let after = d.deal("Volta Energy — Expansion").await;
    assert_ne!(after.stage_id, volta.stage_id);
    assert_eq!(
        (after.priority, after.strategy_note, after.recontact_at),
        (volta.priority, volta.strategy_note, volta.recontact_at)
    );

    // Each result is posted on roles.crm.
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let posted = tasks::messages(&mut tx, Some("roles.crm"), 0, 10)
        .await
        .unwrap();
    assert_eq!(posted.len(), 3);
}

#[tokio::test]
async fn the_three_sentences_through_the_built_in_interpreter() {
    let d = demo().await;
    let engine = d.engine(Arlo::default());
    the_three_sentences(&d, &engine, AnsweredBy::BuiltIn).await;
}

/// The fake model's answer: the plan as JSON text, after a thinking block.
fn plan(target: serde_json::Value, changes: serde_json::Value) -> serde_json::Value {
    let text = json!({ "target": target, "changes": changes, "refusal": null }).to_string();
    message(json!([
        { "type": "thinking", "thinking": "Reading the sentence...", "signature": "s" },
        { "type": "text", "text": text },
    ]))
}

#[tokio::test]
async fn the_three_sentences_through_the_model_with_tokens_recorded() {
    let d = demo().await;
    let (client, fake) = fake_model().await;
    let (_, july) = today_and_july(&d).await;
    fake.script(
        200,
        plan(
            json!({"kind": "deal", "name": "Acme", "at_company": null}),
            json!([{"field": "strategy_note", "value": "budget freeze until Q3"},
               {"field": "recontact_at", "value": &july[..10]}]),
        ),
        None,
    );
    fake.script(
        200,
        plan(
            json!({"kind": "contact", "name": "Sarah", "at_company": "Meridian"}),
            json!([{"field": "priority", "value": "high"},
               {"field": "relationship_note", "value": "strong champion, CFO relationship"}]),
        ),
        None,
    );
    fake.script(
        200,
        plan(
            json!({"kind": "deal", "name": "Volta", "at_company": null}),
            json!([{"field": "stage", "value": "Negotiation"}]),
        ),
        None,
    );
    let engine = d.engine(Arlo::new(Some(client), 1_000_000));
    the_three_sentences(&d, &engine, AnsweredBy::Model).await;

    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    let first = &requests[0].1;
    assert_eq!(first["messages"][0]["content"], ACME);
    assert!(first["system"].as_str().unwrap().contains("Today is "));
    assert_eq!(
        first["output_config"]["format"]["schema"]["required"],
        json!(["target", "changes", "refusal"])
    );
    // Every call's tokens, against its task attempt.
    let (calls, tokens): (i64, i64) = sqlx::query_as(
        "SELECT count(*), sum(input_tokens + output_tokens)::bigint FROM model_calls WHERE attempt = 1",
    )
    .fetch_one(&d.t.owner)
    .await
    .unwrap();
    assert_eq!((calls, tokens), (3, 450));
}

#[tokio::test]
async fn past_the_daily_budget_the_built_in_answers_and_says_so() {
    let d = demo().await;
    let (client, fake) = fake_model().await;
    fake.script(
        200,
        plan(
            json!({"kind": "deal", "name": "Volta", "at_company": null}),
            json!([{"field": "stage", "value": "Negotiation"}]),
        ),
        None,
    );
    // 150 tokens a call: the second instruction finds the budget spent.
    let engine = d.engine(Arlo::new(Some(client), 100));
    d.tell(VOLTA, None).await;
    assert_eq!(d.run(&engine).await.answered_by, AnsweredBy::Model);
    d.tell(SARAH, None).await;
    let r = d.run(&engine).await;
    assert_eq!(r.answered_by, AnsweredBy::BuiltIn);
    assert_eq!(r.fallback.as_deref(), Some("today's model budget is spent"));
    assert_eq!(changes(&r).len(), 2);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn an_unusable_model_answer_fails_the_task_and_writes_nothing() {
    let d = demo().await;
    let (client, fake) = fake_model().await;
    fake.script(
        200,
        message(json!([{ "type": "text", "text": "Sure! I moved it." }])),
        None,
    );
    let engine = d.engine(Arlo::new(Some(client), 1_000_000));
    let task = d.tell(VOLTA, None).await;
    let ran = engine.run_one().await.unwrap().unwrap();
    let redkey_data::engine::Outcome::Failed(why) = &ran.outcome else {
        panic!("{ran:?}")
    };
    assert!(why.contains("not usable"), "{why}");
    assert_eq!(d.writes_of(task).await, 0);
}

#[tokio::test]
async fn ambiguity_unknown_names_and_operational_fields_write_nothing() {
    let d = demo().await;
    let engine = d.engine(Arlo::default());

    // Two open Meridian deals: asked back, both listed.
    let task = d.tell("Move the Meridian deal to Proposal", None).await;
    let r = d.run(&engine).await;
    let InstructOutcome::Ask {
        question,
        candidates,
    } = &r.outcome
    else {
        panic!("{r:?}")
    };
    assert!(question.contains("2 deals match"), "{question}");
    let mut names: Vec<_> = candidates.iter().map(|c| c.label.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        ["Meridian Health — Pilot", "Meridian Health — Renewal"]
    );
    assert_eq!(d.writes_of(task).await, 0);

    // Said on one of them, it is that one.
    let pilot = d.deal("Meridian Health — Pilot").await;
    d.tell(
        "Move the Meridian deal to Proposal",
        Some(RecordRef {
            kind: RecordKind::Deal,
            id: pilot.id,
        }),
    )
    .await;
    let r = d.run(&engine).await;
    assert_eq!(changes(&r)[0].id, pilot.id);

    // Nothing named that exists, an operational field, a stage the
    // pipeline does not have (refused, naming the stages): nothing written.
    for (sentence, expect) in [
        ("Mark Zed at Nowhere as a priority", "found no contact"),
        ("Set Sarah's open count to 3", "open count"),
        ("Move the Volta deal to Heaven", "Negotiation"),
    ] {
        let task = d.tell(sentence, None).await;
        let r = d.run(&engine).await;
        let said = match &r.outcome {
            InstructOutcome::Ask { question, .. } => question,
            InstructOutcome::Refused { reason } => reason,
            other => panic!("{sentence}: {other:?}"),
        };
        assert!(said.contains(expect), "{sentence}: {said}");
        assert_eq!(d.writes_of(task).await, 0, "{sentence}");
    }
}

#[tokio::test]
async fn a_rerun_after_the_write_reports_it_and_writes_nothing_twice() {
    let d = demo().await;
    let engine = d.engine(Arlo::default());
    let task = d.tell(ACME, None).await;
    let first = d.run(&engine).await;
    // As if the outcome were lost to a crash: the task runs again.
    sqlx::query("UPDATE tasks SET status = 'queued', finished_at = NULL WHERE id = $1")
        .bind(task)
        .execute(&d.t.owner)
        .await
        .unwrap();
    sqlx::query("DELETE FROM topic_messages WHERE task_id = $1")
        .bind(task)
        .execute(&d.t.owner)
        .await
        .unwrap();
    let again = d.run(&engine).await;
    assert_eq!(changes(&again).len(), changes(&first).len());
    assert_eq!(d.writes_of(task).await, 2);
    let note = d
        .deal("Acme Logistics — Renewal")
        .await
        .strategy_note
        .unwrap();
    assert_eq!(note.matches("budget freeze").count(), 1, "{note}");
}

#[tokio::test]
async fn only_a_person_or_their_relay_stores_instructions_and_a_relay_changes_nothing() {
    let d = demo().await;
    let volta = d.deal("Volta Energy — Expansion").await;
    // Arlo's role cannot attach an instruction to a task it queues.
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let mut forged = tasks::NewTask::new(
        "roles.crm",
        "strategic.instruct",
        json!({"text": "Mark Volta critical"}),
        "agent:arlo".into(),
    );
    forged.instruction_id = Some(Uuid::new_v4());
    assert!(tasks::enqueue(&mut tx, &forged).await.is_err());
    drop(tx);
    // Nor queue the kind without one.
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let bare = tasks::NewTask::new(
        "roles.crm",
        "strategic.instruct",
        json!({"text": "Mark Volta critical"}),
        "agent:arlo".into(),
    );
    assert!(tasks::enqueue(&mut tx, &bare).await.is_err());
    drop(tx);
    // A relay may store an instruction, and may not change a strategic field.
    let mut tx = d.t.tx(d.client, Actor::Relay).await;
    let err = records::update(
        &mut tx,
        volta.id,
        vec![redkey_data::deals::DealField::Priority(Some(
            redkey_types::Priority::Low,
        ))],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, redkey_data::DbError::NoAuthority(_)),
        "{err:?}"
    );
}
