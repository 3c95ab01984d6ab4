//! Handlers: the health report forwarded signed with retries, idempotent
//! activity logging.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{http::HeaderMap, routing::post, Router};
use redkey::engine::{signing, Engine};
use redkey_data::{engine::Outcome, tasks, Actor};
use redkey_testkit::TestDb;
use redkey_types::TaskStatus;
use serde_json::{json, Value};

use super::*;

/// One delivery the fake bus received.
type Delivery = (HeaderMap, Vec<u8>);

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Delivery>>>);

/// A fake agent bus on 127.0.0.1: fails the first delivery with 500.
async fn fake_bus() -> (String, Received) {
    let received = Received::default();
    let seen = received.clone();
    let app = Router::new().route(
        "/bus",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                let mut all = seen.0.lock().unwrap();
                all.push((headers, body.to_vec()));
                if all.len() == 1 {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let url = format!("{}/bus", crate::helpers::listen(app).await);
    (url, received)
}

#[tokio::test]
async fn health_reports_on_roles_exec_and_is_forwarded_signed_with_retries() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let (url, received) = fake_bus().await;
    let hooks =
        json!([{ "client": "alpha", "topic": "roles.exec", "url": url, "secret": "bus-secret" }])
            .to_string();
    let engine = Engine::new(
        t.db.clone(),
        settings("one", &[("REDKEY_TOPIC_WEBHOOKS", &hooks)]),
        None,
    )
    .unwrap();
    let id = enqueue(&t, a, "pipeline.health", json!({})).await;
    let ran = engine.run_one().await.unwrap().unwrap();
    assert_eq!(ran.task, id);
    assert!(matches!(ran.outcome, Outcome::Succeeded(_)), "{ran:?}");

    let mut tx = t.tx(a, Actor::Agent).await;
    let messages = tasks::messages(&mut tx, Some("roles.exec"), 0, 10)
        .await
        .unwrap();
    drop(tx);
    assert_eq!(messages.len(), 1);
    assert!(messages[0].body["summary"]
        .as_str()
        .unwrap()
        .contains("open deals"));

    // The forward: first answer 500 (retry with backoff), then delivered.
    let first = engine.run_one().await.unwrap().unwrap();
    assert_eq!(first.kind, "topic.forward");
    assert!(matches!(first.outcome, Outcome::Retry { .. }), "{first:?}");
    let started = std::time::Instant::now();
    let second = loop {
        if let Some(r) = engine.run_one().await.unwrap() {
            break r;
        }
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert!(
        matches!(second.outcome, Outcome::Succeeded(_)),
        "{second:?}"
    );

    let got = received.0.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    for (headers, body) in &got {
        let ts: i64 = headers[signing::TIMESTAMP_HEADER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let sig = headers[signing::SIGNATURE_HEADER].to_str().unwrap();
        assert!(signing::verify(b"bus-secret", ts, body, sig));
        assert!(!signing::verify(b"wrong", ts, body, sig));
        assert_eq!(
            headers[signing::MESSAGE_ID_HEADER].to_str().unwrap(),
            messages[0].id.to_string()
        );
        let sent: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(sent["topic"], "roles.exec");
        assert_eq!(sent["client"], "alpha");
    }
}

#[tokio::test]
async fn activity_log_is_idempotent_and_refuses_unknown_contacts() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let contact = redkey_data::records::create(
        &mut tx,
        vec![
            redkey_data::contacts::ContactField::FirstName("Ada".into()),
            redkey_data::contacts::ContactField::LastName("Byron".into()),
            redkey_data::contacts::ContactField::Email(Some(
                redkey_types::EmailAddress::parse("ada@alpha.test").unwrap(),
            )),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let engine = Engine::new(t.db.clone(), settings("one", &[]), None).unwrap();
    let payload = json!({
        "contact_email": "ADA@alpha.test", "kind": "meeting",
        "subject": "Coffee", "external_key": "cal-123",
    });
    enqueue(&t, a, "activity.log", payload.clone()).await;
    enqueue(&t, a, "activity.log", payload).await;
    let missing = enqueue(
        &t,
        a,
        "activity.log",
        json!({ "contact_email": "nobody@alpha.test", "kind": "meeting" }),
    )
    .await;
    while engine.run_one().await.unwrap().is_some() {}
    let mut tx = t.tx(a, Actor::Agent).await;
    let logged = redkey_data::activities::latest_of(
        &mut tx,
        redkey_types::RecordKind::Contact,
        contact.id,
        None,
        100,
    )
    .await
    .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].subject.as_deref(), Some("Coffee"));
    let m = tasks::get(&mut tx, missing).await.unwrap();
    assert_eq!((m.status, m.attempts), (TaskStatus::Failed, 1));
    assert!(m.last_error.unwrap().contains("no contact"));
}
