//! Provider webhooks: signatures, replays, bounces, complaints, replies.

use chrono::Utc;
use redkey_data::records;
use redkey_data::{activities, suppressions, Actor};
use redkey_types::Contact;
use redkey_types::{EmailAddress, EnrollmentStatus as Status, StopReason, SuppressionReason};
use serde_json::json;

use super::*;

#[tokio::test]
async fn webhooks_verify_record_once_and_apply_events() {
    let w = world().await;
    let (addr, ada, e) = w.first_step_sent_to_ada().await;
    let provider_id: String = sqlx::query_scalar("SELECT provider_id FROM email_sends")
        .fetch_one(&w.t.owner)
        .await
        .unwrap();
    let now = Utc::now().timestamp();
    let opened = json!({
        "type": "email.opened", "created_at": "2027-01-04T10:05:00Z",
        "data": { "email_id": provider_id, "to": ["ada@lovelace.test"], "subject": "One" }
    });

    // Forged, missing and stale signatures: 401, nothing stored.
    let (text, mut headers) = signed(&opened, "msg_1", now);
    headers[2].1 = "v1,AAAA".into();
    assert_eq!(post_event(addr, &text, &headers).await.0, 401);
    assert_eq!(post_event(addr, &text, &[]).await.0, 401);
    let (text, headers) = signed(&opened, "msg_1", now - 301);
    assert_eq!(post_event(addr, &text, &headers).await.0, 401);
    assert_eq!(events(&w).await, 0);

    // Valid: applied once; a replay answers 200 and changes nothing.
    let (text, headers) = signed(&opened, "msg_1", now);
    let (status, body) = post_event(addr, &text, &headers).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("recorded")));
    let (status, body) = post_event(addr, &text, &headers).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    assert_eq!(
        records::get::<Contact>(&mut tx, ada)
            .await
            .unwrap()
            .open_count,
        1
    );
    drop(tx);

    // An event about one of our sends that we have not recorded yet (the
    // webhook outran our commit) is refused for a retry, and not stored.
    let early = json!({
        "type": "email.delivered", "created_at": "2027-01-04T10:05:00Z",
        "data": { "email_id": "not-recorded-yet", "to": ["ada@lovelace.test"],
                  "tags": { "enrollment": e.simple().to_string(), "step": "1" } }
    });
    let (text, headers) = signed(&early, "msg_early", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 503);
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM email_events WHERE svix_id = 'msg_early'")
            .fetch_one(&w.t.owner)
            .await
            .unwrap();
    assert_eq!(stored, 0);

    // Unknown types are accepted and ignored; malformed bodies are 400.
    let (text, headers) = signed(
        &json!({ "type": "email.teleported", "data": {} }),
        "msg_2",
        now,
    );
    let (status, body) = post_event(addr, &text, &headers).await;
    assert_eq!((status, body["effect"].as_str()), (200, Some("ignored")));
    let (text, headers) = signed(&json!([1, 2]), "msg_3", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 400);

    // A permanent bounce: undeliverable, enrollment paused, no next step.
    let bounced = json!({
        "type": "email.bounced", "created_at": "2027-01-04T10:06:00Z",
        "data": { "email_id": provider_id, "to": ["ada@lovelace.test"],
                  "bounce": { "type": "Permanent", "subType": "General", "message": "no such user" } }
    });
    let (text, headers) = signed(&bounced, "msg_4", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 200);
    let paused = w.enrollment(e).await;
    assert_eq!(
        (paused.status, paused.stop_reason),
        (Status::Paused, Some(StopReason::Bounced))
    );
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    assert_eq!(
        suppressions::suppression(&mut tx, &EmailAddress::parse("ada@lovelace.test").unwrap())
            .await
            .unwrap(),
        Some(SuppressionReason::Bounced)
    );
    drop(tx);
    assert_eq!(w.run("2027-01-05T10:00:00Z").await.sent, 0);
    assert_eq!(w.fake.delivered().len(), 1);
}

#[tokio::test]
async fn a_complaint_unsubscribes_and_a_reply_stops_the_sequence_and_suggests_a_date() {
    let w = world().await;
    let addr = w.serve().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let bob = w.contact("Bob", Some("bob@lovelace.test")).await;
    let seq = w
        .sequence(vec![step(0, false, "One"), step(1, false, "Two")])
        .await;
    let ea = w.enroll(seq, ada).await.unwrap();
    let eb = w.enroll(seq, bob).await.unwrap();
    assert_eq!(w.run("2027-01-04T10:00:00Z").await.sent, 2);
    let now = Utc::now().timestamp();

    let token = w.enrollment(ea).await.reply_token;
    let reply = json!({
        "type": "email.received", "created_at": "2027-01-04T11:00:00Z",
        "data": { "email_id": "in_1", "from": "ada@lovelace.test",
                  "to": [format!("reply+{token}@in.alpha.test")], "subject": "Re: One",
                  "message_id": "<r1@lovelace.test>" }
    });
    w.fake.receive(
        "in_1",
        json!({
            "subject": "Re: One", "message_id": "<r1@lovelace.test>",
            "text": "Thanks! Budgets are frozen, so not before Q3.", "headers": {}
        }),
    );
    let (text, headers) = signed(&reply, "msg_r1", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 200);
    w.read_inbound().await;
    let replied = w.enrollment(ea).await;
    assert_eq!(replied.status, Status::Replied);
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let acts = activities::latest_of(&mut tx, redkey_types::RecordKind::Contact, ada, None, 100)
        .await
        .unwrap();
    assert!(acts.iter().any(|a| a.kind == "email_replied"));
    // What the reply says about timing is a suggestion, not a write.
    let suggested = redkey_data::suggestions::open(&mut tx, 10).await.unwrap();
    assert_eq!(suggested.len(), 1);
    assert_eq!(suggested[0].record_id, ada);
    assert!(
        suggested[0].why.contains("not before q3"),
        "{}",
        suggested[0].why
    );
    drop(tx);

    // Unmatched inbound mail is kept.
    let stray = json!({
        "type": "email.received", "created_at": "2027-01-04T11:00:00Z",
        "data": { "email_id": "in_2", "from": "someone@else.test", "to": ["hello@in.alpha.test"],
                  "subject": "Question" }
    });
    w.fake.receive(
        "in_2",
        json!({ "subject": "Question", "text": "Hello?", "headers": {} }),
    );
    let (text, headers) = signed(&stray, "msg_r2", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 200);
    w.read_inbound().await;
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM inbound_emails WHERE enrollment_id IS NULL AND from_email = 'someone@else.test'",
    )
    .fetch_one(&w.t.owner)
    .await
    .unwrap();
    assert_eq!(kept, 1);

    let complaint = json!({
        "type": "email.complained", "created_at": "2027-01-04T11:00:00Z",
        "data": { "email_id": "x", "to": ["bob@lovelace.test"] }
    });
    let (text, headers) = signed(&complaint, "msg_c1", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 200);
    assert_eq!(
        w.enrollment(eb).await.stop_reason,
        Some(StopReason::Complained)
    );

    assert_eq!(w.run("2027-01-05T10:00:00Z").await.sent, 0);
    assert_eq!(w.fake.delivered().len(), 2);
}

#[tokio::test]
async fn a_slug_without_an_account_answers_as_a_bad_signature_does() {
    let w = world().await;
    let (addr, _, _) = w.first_step_sent_to_ada().await;
    let now = Utc::now().timestamp();
    let event = json!({ "type": "email.opened", "data": { "email_id": "x" } });
    for (id, ts) in [("msg_forged", now), ("msg_stale", now - 3600)] {
        let (text, mut headers) = signed(&event, id, ts);
        headers[2].1 = "v1,AAAA".into();
        let answers: Vec<(u16, Value)> = answers_for_each_slug(addr, &text, &headers).await;
        // alpha sends mail, beta is a client without an account, the
        // third is no client at all: one answer for all three.
        assert_eq!(answers[0].0, 401, "{answers:?}");
        assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    }
    assert_eq!(events(&w).await, 0);
}

async fn answers_for_each_slug(
    addr: SocketAddr,
    text: &str,
    headers: &[(&'static str, String)],
) -> Vec<(u16, Value)> {
    let mut out = vec![];
    for slug in ["alpha", "beta", "no-such-client"] {
        out.push(post_event_to(addr, slug, text, headers).await);
    }
    out
}
