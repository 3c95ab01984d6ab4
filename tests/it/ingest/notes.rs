//! The meeting-notes webhook: signed, replay-safe, attached by arlo with
//! a suggestion, never a write.

use std::net::SocketAddr;

use hmac::{Hmac, Mac};
use redkey::{arlo::Arlo, config::Settings};
use redkey_data::{engine::Outcome, secrets::SecretBox, sources, Actor};
use redkey_types::SourceKind;
use serde_json::{json, Value};

use crate::arlo::{demo, Demo};

fn signed(secret: &str, ts: i64, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn notes_setup() -> (Demo, SocketAddr, String) {
    let d = demo().await;
    let key = SecretBox::generate_key();
    let settings = Settings::from_pairs(&[("REDKEY_SECRET_KEY", &key)]).unwrap();
    let store = settings.secrets.open().unwrap().unwrap();
    let mut tx = d.t.tx(d.client, Actor::User(d.founder)).await;
    let s = sources::create(&mut tx, SourceKind::Quill, "Quill", &json!({}))
        .await
        .unwrap();
    sources::set_secret(&mut tx, &store, s.id, "quill-signing-secret")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let addr = crate::helpers::spawn_app(&d.t, &settings).await;
    (d, addr, "quill-signing-secret".into())
}

#[tokio::test]
async fn signed_meeting_notes_are_attached_once_with_a_suggestion() {
    let (d, addr, secret) = notes_setup().await;
    // Someone at Acme, whose one open deal gets the note too.
    let acme_person: String = sqlx::query_scalar(
        "SELECT p.emails_primary_email FROM people p JOIN companies c ON c.id = p.company_id \
         WHERE c.name = 'Acme Logistics' ORDER BY p.emails_primary_email LIMIT 1",
    )
    .fetch_one(&d.t.owner)
    .await
    .unwrap();
    let body = json!({
        "meeting": { "id": "mtg_42", "title": "Budget review", "started_at": "2026-11-27T15:00:00Z" },
        "attendees": [{ "email": acme_person }, { "email": "stranger@nowhere.test" }],
        "summary": "Budget is frozen. Let's talk again in March.",
        "action_items": ["Send the revised proposal", "Book a call with finance"],
        "extra": { "ignored": true }
    })
    .to_string();
    let url = format!("http://{addr}/webhooks/quill/bezeliq");
    let now = chrono::Utc::now().timestamp();
    let post = |ts: i64, sig: String, delivery: &str, body: String| {
        reqwest::Client::new()
            .post(&url)
            .header("quill-delivery", delivery)
            .header("quill-timestamp", ts.to_string())
            .header("quill-signature", sig)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // Refused, storing nothing: a bad signature, a stale timestamp, a
    // client without notes, a body that is not a meeting.
    let tasks_before: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&d.t.owner)
        .await
        .unwrap();
    assert_eq!(
        post(now, signed("wrong", now, &body), "d1", body.clone())
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        post(
            now - 3600,
            signed(&secret, now - 3600, &body),
            "d1",
            body.clone()
        )
        .await
        .unwrap()
        .status(),
        401
    );
    let harbor = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks/quill/harbor"))
        .header("quill-delivery", "d1")
        .header("quill-timestamp", now.to_string())
        .header("quill-signature", signed(&secret, now, &body))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(harbor.status(), 401);
    let junk = "{\"meeting\": 3}".to_string();
    assert_eq!(
        post(now, signed(&secret, now, &junk), "d0", junk)
            .await
            .unwrap()
            .status(),
        422
    );
    let tasks_after: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&d.t.owner)
        .await
        .unwrap();
    assert_eq!(tasks_after, tasks_before);

    // Accepted once; the replay is acknowledged and queues nothing.
    assert_eq!(
        post(now, signed(&secret, now, &body), "d1", body.clone())
            .await
            .unwrap()
            .status(),
        202
    );
    let replay = post(now, signed(&secret, now, &body), "d1", body.clone())
        .await
        .unwrap();
    assert_eq!(replay.status(), 200);
    let engine = d.engine(Arlo::default());
    let ran = engine.run_one().await.unwrap().unwrap();
    let Outcome::Succeeded(result) = ran.outcome else {
        panic!("{ran:?}")
    };
    assert!(engine.run_one().await.unwrap().is_none(), "one task");
    assert_eq!(result["unmatched_attendees"], 1);
    assert_eq!(result["linked"].as_array().unwrap().len(), 2, "{result}");
    let notes: Vec<String> =
        sqlx::query_scalar("SELECT body_v2_markdown FROM notes WHERE title = 'Budget review'")
            .fetch_all(&d.t.owner)
            .await
            .unwrap();
    assert_eq!(notes.len(), 2);
    assert!(
        notes[0].contains("- Send the revised proposal"),
        "{}",
        notes[0]
    );
    // The date is a suggestion for the founder, never a write.
    let suggested: Vec<(String, Value)> = sqlx::query_as("SELECT field, proposed FROM suggestions")
        .fetch_all(&d.t.owner)
        .await
        .unwrap();
    assert_eq!(suggested.len(), 1);
    assert_eq!(suggested[0].0, "recontact_at");
    assert!(suggested[0].1.as_str().unwrap().contains("-03-01T"));
}
