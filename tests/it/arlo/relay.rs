//! Atlas (another agent) relays the founder's sentence through the API:
//! the instruction is stored as given by `agent:<name>` with its task, the
//! task carries its id, and callers can neither supply one nor point the
//! sentence at another client's record.

use redkey_data::tokens;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::*;

#[tokio::test]
async fn a_relayed_instruction_is_stored_with_its_task_and_carried_out() {
    let d = demo().await;
    let (_, token) = tokens::create(&d.t.owner, "bezeliq", "atlas")
        .await
        .unwrap();
    let addr = crate::helpers::serve(&d.t).await;
    let http = reqwest::Client::new();
    let create = |body: Value| {
        http.post(format!("http://{addr}/api/v1/tasks"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let r = create(json!({ "topic": "roles.crm", "kind": "strategic.instruct",
                           "payload": { "text": "Move the Volta deal to Negotiation, we're close" } }))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let task: Value = r.json().await.unwrap();
    let instruction = task["instruction_id"].as_str().unwrap().to_string();
    let (given_by, text): (String, String) =
        sqlx::query_as("SELECT given_by, instruction FROM human_instructions WHERE id = $1::uuid")
            .bind(&instruction)
            .fetch_one(&d.t.owner)
            .await
            .unwrap();
    assert_eq!(given_by, "agent:atlas");
    assert_eq!(text, "Move the Volta deal to Negotiation, we're close");

    let engine = d.engine(Arlo::default());
    let r = d.run(&engine).await;
    assert_eq!(r.instruction_id.to_string(), instruction);
    assert!(
        matches!(r.outcome, redkey_types::InstructOutcome::Done { ref changes } if changes.len() == 1)
    );

    // A caller cannot name the instruction, nor another client's record.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM human_instructions")
        .fetch_one(&d.t.owner)
        .await
        .unwrap();
    let forged = create(json!({ "topic": "roles.crm", "kind": "strategic.instruct",
        "payload": { "text": "Mark Volta critical", "instruction_id": instruction } }))
    .await
    .unwrap();
    assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["error"]["field"], "payload.instruction_id");
    let harbor_deal: uuid::Uuid = sqlx::query_scalar(
        "SELECT o.id FROM opportunities o JOIN workspaces w ON w.id = o.workspace_id \
         WHERE w.slug = 'harbor' LIMIT 1",
    )
    .fetch_one(&d.t.owner)
    .await
    .unwrap();
    let elsewhere = create(json!({ "topic": "roles.crm", "kind": "strategic.instruct",
        "payload": { "text": "Mark this critical", "about": { "kind": "deal", "id": harbor_deal } } }))
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    let body: Value = elsewhere.json().await.unwrap();
    assert_eq!(body["error"]["field"], "payload.about");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM human_instructions")
        .fetch_one(&d.t.owner)
        .await
        .unwrap();
    assert_eq!(after, before, "refused requests store nothing");
}
