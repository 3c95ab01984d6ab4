//! Sending that never strands or silently drops work: an account-level
//! refusal pauses the client until a person resumes; a send held back is
//! sent however old; review counts from the first attempt and a person
//! resolves it; one bad enrollment never blocks the others; two runs at
//! once never pass the daily cap.

use chrono::Utc;
use redkey_data::{
    audit::{self, Kind},
    outbox, sending, Actor,
};
use redkey_types::{EnrollmentStatus as Status, SendAction, SendStatus, StopReason};
use serde_json::json;

use super::*;

/// The statuses of the client's outbox rows, oldest first.
async fn send_statuses(w: &World) -> Vec<String> {
    sqlx::query_scalar("SELECT status FROM email_sends ORDER BY created_at, id")
        .fetch_all(&w.t.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_account_refusal_pauses_sending_until_a_person_resumes_it() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    let e = w.enroll(seq, ada).await.unwrap();
    w.fake.script(403, "restricted_api_key", None, 1);
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!(r.sent, 0);
    assert!(r.sending_paused, "{r:?}");
    // Nothing about the message changed: the enrollment is active, the
    // outbox row pending and never attempted.
    assert_eq!(w.enrollment(e).await.status, Status::Active);
    let (status, attempts, first): (String, i32, Option<chrono::DateTime<Utc>>) =
        sqlx::query_as("SELECT status, attempts, first_attempt_at FROM email_sends")
            .fetch_one(&w.t.owner)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts, first), ("pending", 0, None));
    // Paused with no end, and the reason, for every instance and the page.
    let mut tx = w.t.tx(w.a, w.human).await;
    let pause = sending::paused(&mut tx, Utc::now()).await.unwrap().unwrap();
    assert_eq!(pause.until, None);
    assert!(pause.reason.contains("restricted_api_key"), "{pause:?}");
    drop(tx);
    let later = w.run("2027-01-10T10:00:00Z").await;
    assert!(later.note.unwrap().contains("until someone resumes it"));
    assert_eq!(w.fake.delivered().len(), 0);
    // A person resumes; the same step goes out.
    let mut tx = w.t.tx(w.a, w.human).await;
    assert_eq!(sending::resume(&mut tx).await.unwrap(), 1);
    tx.commit().await.unwrap();
    assert_eq!(w.run("2027-01-11T10:00:00Z").await.sent, 1);
    assert_eq!(w.fake.delivered().len(), 1);
    // Settings → Integrations shows Resend with both calls, one refused.
    let mut tx = w.t.tx(w.a, w.human).await;
    let resend = redkey_data::api_library::list(&mut tx).await.unwrap();
    let [resend] = &resend[..] else {
        panic!("{resend:?}")
    };
    assert_eq!(
        (resend.provider.as_str(), resend.name.as_str()),
        ("resend", "email")
    );
    assert_eq!((resend.calls_24h, resend.errors_24h), (2, 1));
    assert!(resend
        .last_error
        .as_deref()
        .unwrap_or_default()
        .contains("restricted_api_key"));
    assert!(!resend.failing(), "the last call succeeded");
}

#[tokio::test]
async fn a_message_level_refusal_fails_only_that_send() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let bob = w.contact("Bob", Some("bob@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    let ea = w.enroll(seq, ada).await.unwrap();
    let eb = w.enroll(seq, bob).await.unwrap();
    w.fake.script(422, "validation_error", None, 1);
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!((r.sent, r.stopped), (1, 1), "{r:?}");
    let (first, second) = (w.enrollment(ea).await, w.enrollment(eb).await);
    let stopped = [first, second]
        .into_iter()
        .filter(|e| e.status == Status::Stopped)
        .collect::<Vec<_>>();
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0].stop_reason, Some(StopReason::Rejected));
}

#[tokio::test]
async fn a_send_held_back_for_days_is_sent_not_reviewed() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    w.enroll(seq, ada).await.unwrap();
    // A quota holds the send back; it never reached the provider.
    w.fake.script(429, "daily_quota_exceeded", None, 1);
    assert_eq!(w.run("2027-01-04T10:00:00Z").await.sent, 0);
    sqlx::query("UPDATE email_sends SET created_at = now() - interval '5 days'")
        .execute(&w.t.owner)
        .await
        .unwrap();
    sqlx::query("UPDATE email_pauses SET paused_until = now() - interval '1 minute'")
        .execute(&w.t.owner)
        .await
        .unwrap();
    let r = w.run("2027-01-11T10:00:00Z").await;
    assert_eq!((r.sent, r.review), (1, 0), "{r:?}");
    assert_eq!(send_statuses(&w).await, ["sent"]);
}

#[tokio::test]
async fn a_person_resolves_sends_in_review_and_every_choice_is_recorded() {
    let w = world().await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    let mut enrollments = vec![];
    for name in ["Ada", "Bob", "Cleo", "Dan"] {
        let email = format!("{}@lovelace.test", name.to_lowercase());
        let c = w.contact(name, Some(&email)).await;
        enrollments.push(w.enroll(seq, c).await.unwrap());
    }
    // Every first attempt ends unknown (a run stops at such an error);
    // 23.5 h after its first attempt each send goes to review.
    w.fake.script(500, "application_error", None, 4);
    let mut review = 0;
    for minute in 0..5 {
        review += w.run(&format!("2027-01-04T10:0{minute}:00Z")).await.review;
        sqlx::query(
            "UPDATE email_sends SET first_attempt_at = now() - interval '23 hours 30 minutes' \
             WHERE status = 'pending' AND first_attempt_at IS NOT NULL",
        )
        .execute(&w.t.owner)
        .await
        .unwrap();
    }
    assert_eq!(review, 4);
    let mut tx = w.t.tx(w.a, w.human).await;
    let sends = outbox::needing_decision(&mut tx).await.unwrap();
    assert_eq!(sends.len(), 4);
    let send_of = |e| {
        sends
            .iter()
            .find(|s| s.enrollment_id == Some(e))
            .unwrap()
            .id
    };
    let (ada, bob, cleo, dan) = (
        send_of(enrollments[0]),
        send_of(enrollments[1]),
        send_of(enrollments[2]),
        send_of(enrollments[3]),
    );
    outbox::resolve(&mut tx, ada, SendAction::MarkSent, Some("re_known"))
        .await
        .unwrap();
    outbox::resolve(&mut tx, bob, SendAction::SendAgain, None)
        .await
        .unwrap();
    outbox::resolve(&mut tx, cleo, SendAction::Drop, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Dan's key is past the provider's memory: no blind re-send.
    sqlx::query(
        "UPDATE email_sends SET first_attempt_at = now() - interval '25 hours' WHERE id = $1",
    )
    .bind(dan)
    .execute(&w.t.owner)
    .await
    .unwrap();
    let mut tx = w.t.tx(w.a, w.human).await;
    let refused = outbox::resolve(&mut tx, dan, SendAction::SendAgain, None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, DbError::Conflict(ref m) if m.contains("mark it sent or drop it")),
        "{refused:?}"
    );
    drop(tx);
    // Arlo cannot decide in a person's place.
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    assert!(outbox::resolve(&mut tx, dan, SendAction::Drop, None)
        .await
        .is_err());
    drop(tx);

    let r = w.run("2027-01-04T10:10:00Z").await;
    // Bob's goes out again under its key; Ada's is recorded as sent.
    assert_eq!(w.fake.delivered().len(), 1, "{r:?}");
    assert_eq!(w.fake.delivered()[0].1["to"][0], "bob@lovelace.test");
    for e in &enrollments[..3] {
        assert_eq!(w.enrollment(*e).await.status, Status::Complete, "{e}");
    }
    assert_eq!(
        w.enrollment(enrollments[3]).await.stop_reason,
        Some(StopReason::NeedsReview)
    );
    let recorded: Vec<(String, Option<String>, bool)> = sqlx::query_as(
        "SELECT action, provider_id, user_id IS NOT NULL FROM send_resolutions ORDER BY id",
    )
    .fetch_all(&w.t.owner)
    .await
    .unwrap();
    assert_eq!(
        recorded,
        [
            ("mark_sent".into(), Some("re_known".into()), true),
            ("send_again".into(), None, true),
            ("drop".into(), None, true),
        ]
    );
    let statuses: Vec<SendStatus> = {
        let mut tx = w.t.tx(w.a, Actor::Agent).await;
        let mut out = vec![];
        for s in [ada, bob, cleo, dan] {
            let row: String =
                sqlx::query_scalar("SELECT status FROM crm_email_sends WHERE id = $1")
                    .bind(s)
                    .fetch_one(tx.conn())
                    .await
                    .unwrap();
            out.push(SendStatus::parse(&row).unwrap());
        }
        out
    };
    assert_eq!(
        statuses,
        [
            SendStatus::Sent,
            SendStatus::Sent,
            SendStatus::Dropped,
            SendStatus::Review
        ]
    );
}

#[tokio::test]
async fn an_archived_contact_never_blocks_the_others() {
    let w = world().await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    let mut people = vec![];
    for name in ["Ada", "Bob", "Cleo"] {
        let email = format!("{}@lovelace.test", name.to_lowercase());
        let c = w.contact(name, Some(&email)).await;
        people.push((c, w.enroll(seq, c).await.unwrap()));
    }
    // The first due contact is archived after enrolling.
    let mut tx = w.t.tx(w.a, w.human).await;
    audit::archive(&mut tx, Kind::Contact, people[0].0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!((r.sent, r.stopped), (2, 1), "{r:?}");
    let first = w.enrollment(people[0].1).await;
    assert_eq!(
        (first.status, first.stop_reason),
        (Status::Stopped, Some(StopReason::ContactArchived))
    );
    let to: Vec<String> = w
        .fake
        .delivered()
        .iter()
        .map(|(_, b)| b["to"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(to.len(), 2);
    assert!(!to.contains(&"ada@lovelace.test".to_string()));
}

#[tokio::test]
async fn two_runs_at_once_never_pass_the_daily_cap() {
    let w = world_with(json!({ "daily_cap": 2 })).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    for i in 0..6 {
        let c = w
            .contact(&format!("P{i}"), Some(&format!("p{i}@lovelace.test")))
            .await;
        w.enroll(seq, c).await.unwrap();
    }
    let when = at("2027-01-04T10:00:00Z");
    let (one, two) = tokio::join!(
        run_due(&w.email, &w.t.db, w.a, when),
        run_due(&w.email, &w.t.db, w.a, when)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one.sent + two.sent, 2, "{one:?} {two:?}");
    // And a third, later the same day, sends nothing more.
    let three = w.run("2027-01-04T15:00:00Z").await;
    assert_eq!(three.sent, 0, "{three:?}");
    assert_eq!(w.fake.delivered().len(), 2);
}
