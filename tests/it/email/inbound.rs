//! Received mail read through its content: an automatic reply is never a
//! reply (a return date delays the next step), a bounce report suppresses
//! the address, and a reply found by In-Reply-To alone stops its sequence
//! once, however often it is announced, with one to-do to answer it.

use redkey_data::{activities, suppressions, Actor};
use redkey_types::{EmailAddress, EnrollmentStatus as Status, StopReason, SuppressionReason};
use serde_json::json;

use super::*;

/// Ada's first step is sent; a received email `content` then arrives for
/// her enrollment (through its reply-to token). Returns the enrollment.
async fn answered_with(w: &World, id: &str, content: Value) -> Uuid {
    let (addr, _ada, e) = w.first_step_sent_to_ada().await;
    let token = w.enrollment(e).await.reply_token;
    w.fake.receive(id, content);
    let event = json!({
        "type": "email.received", "created_at": "2027-01-04T11:00:00Z",
        "data": { "email_id": id, "from": "ada@lovelace.test",
                  "to": [format!("reply+{token}@in.alpha.test")], "subject": "Re: One" }
    });
    let (text, headers) = signed(&event, &format!("msg_{id}"), Utc::now().timestamp());
    assert_eq!(post_event(addr, &text, &headers).await.0, 200);
    w.read_inbound().await;
    e
}

#[tokio::test]
async fn an_out_of_office_is_not_a_reply_and_delays_the_next_step() {
    let w = world().await;
    let e = answered_with(
        &w,
        "ooo_1",
        json!({
            "subject": "Automatic reply: One",
            "headers": { "Auto-Submitted": "auto-replied" },
            "text": "I am out of the office until 2027-01-20 with limited access to email."
        }),
    )
    .await;
    let after = w.enrollment(e).await;
    assert_eq!(after.status, Status::Active);
    assert!(
        after.next_due_at.unwrap() >= at("2027-01-21T00:00:00Z"),
        "{:?}",
        after.next_due_at
    );
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let replies = activities::latest_of(
        &mut tx,
        redkey_types::RecordKind::Contact,
        after.contact_id,
        None,
        100,
    )
    .await
    .unwrap();
    assert!(!replies.iter().any(|a| a.kind == "email_replied"));
}

#[tokio::test]
async fn a_bounce_report_suppresses_the_address_like_a_provider_bounce() {
    let w = world().await;
    let e = answered_with(
        &w,
        "dsn_1",
        json!({
            "subject": "Undelivered Mail Returned to Sender",
            "headers": { "Content-Type": "multipart/report; report-type=delivery-status" },
            "text": "550 5.1.1 user unknown"
        }),
    )
    .await;
    assert_eq!(w.enrollment(e).await.stop_reason, Some(StopReason::Bounced));
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let ada = EmailAddress::parse("ada@lovelace.test").unwrap();
    assert_eq!(
        suppressions::suppression(&mut tx, &ada).await.unwrap(),
        Some(SuppressionReason::Bounced)
    );
}

#[tokio::test]
async fn a_reply_found_by_in_reply_to_stops_the_sequence_once() {
    let w = world().await;
    let (addr, ada, e) = w.first_step_sent_to_ada().await;
    // The provider told us our message's id when it sent it.
    sqlx::query("UPDATE email_sends SET message_id = '<ours@alpha.test>'")
        .execute(&w.t.owner)
        .await
        .unwrap();
    w.fake.receive(
        "in_9",
        json!({
            "subject": "Re: One", "message_id": "<theirs@lovelace.test>",
            "headers": { "In-Reply-To": "<ours@alpha.test>" }, "text": "Yes, let's talk."
        }),
    );
    // Announced twice (two svix ids): one reply.
    for svix in ["msg_a", "msg_b"] {
        let event = json!({
            "type": "email.received", "created_at": "2027-01-04T11:00:00Z",
            "data": { "email_id": "in_9", "from": "ada@lovelace.test",
                      "to": ["hello@in.alpha.test"], "subject": "Re: One" }
        });
        let (text, headers) = signed(&event, svix, Utc::now().timestamp());
        assert_eq!(post_event(addr, &text, &headers).await.0, 200);
        w.read_inbound().await;
    }
    assert_eq!(w.enrollment(e).await.status, Status::Replied);
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let replies = activities::latest_of(&mut tx, redkey_types::RecordKind::Contact, ada, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == "email_replied")
        .count();
    assert_eq!(replies, 1);
    // Arlo left one to-do to answer her, which it may not complete.
    let todos = redkey_data::todos::list(
        &mut tx,
        redkey_data::todos::Filter::On(redkey_data::notes::Target::Contact(ada)),
        false,
        10,
    )
    .await
    .unwrap();
    assert_eq!(todos.len(), 1, "{todos:?}");
    assert!(todos[0].todo.title.starts_with("Reply to "), "{todos:?}");
    assert_eq!(todos[0].todo.created_by_source, redkey_types::Source::Agent);
    let r =
        redkey_data::todos::set_status(&mut tx, todos[0].todo.id, redkey_types::TodoStatus::Done)
            .await;
    assert!(r.is_err(), "arlo completed a person's to-do");
}
