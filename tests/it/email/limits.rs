//! The provider's limits: 429 storms, quota, review, conflicts, daily and rate caps.

use chrono::Utc;
use redkey::email::{sequence::run_due, EmailService};
use redkey_data::{outbox, sending, Actor};
use redkey_types::{EnrollmentStatus as Status, StopReason};
use serde_json::json;

use super::*;

#[tokio::test]
async fn a_429_storm_slows_sending_without_losing_or_doubling_a_step() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let bob = w.contact("Bob", Some("bob@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    w.enroll(seq, ada).await.unwrap();
    w.enroll(seq, bob).await.unwrap();
    w.fake.script(429, "rate_limit_exceeded", Some("0.05"), 5);
    let started = std::time::Instant::now();
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!((r.sent, r.rate_limited), (2, 5), "{r:?}");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(250),
        "it waited"
    );

    // A storm longer than one run's patience: the step stays pending and
    // goes out, once, on the next tick.
    let cleo = w.contact("Cleo", Some("cleo@lovelace.test")).await;
    w.enroll(seq, cleo).await.unwrap();
    w.fake.script(429, "rate_limit_exceeded", Some("0.01"), 20);
    let r = w.run("2027-01-04T11:00:00Z").await;
    assert_eq!(r.sent, 0, "{r:?}");
    w.fake.0.lock().unwrap().script.clear();
    let r = w.run("2027-01-04T11:01:00Z").await;
    assert_eq!(r.sent, 1, "{r:?}");
    let sent = w.fake.delivered();
    assert_eq!(sent.len(), 3);
    let mut keys: Vec<&String> = sent.iter().map(|(k, _)| k).collect();
    keys.dedup();
    assert_eq!(keys.len(), 3);
}

#[tokio::test]
async fn a_daily_quota_pauses_sending_for_the_day_and_says_so() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    w.enroll(seq, ada).await.unwrap();
    w.fake.script(429, "daily_quota_exceeded", None, 1);
    // Through the engine, as the 30-second timer runs it.
    let engine = redkey::engine::Engine::new(
        w.t.db.clone(),
        w.settings.engine.clone(),
        Some(w.email.clone()),
    )
    .unwrap();
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let task = redkey_data::tasks::NewTask::new(
        "roles.crm",
        "sequence.step",
        json!({}),
        "agent:test".into(),
    );
    redkey_data::tasks::enqueue(&mut tx, &task).await.unwrap();
    tx.commit().await.unwrap();
    // Wherever the real clock stands, make the enrollment due and in window.
    sqlx::query("UPDATE sequences SET weekdays = '{1,2,3,4,5,6,7}', window_start = '00:00', window_end = '23:59:59'")
        .execute(&w.t.owner)
        .await
        .unwrap();
    engine.run_one().await.unwrap().expect("the step task ran");
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let said = redkey_data::tasks::messages(&mut tx, Some("roles.crm"), 0, 10)
        .await
        .unwrap();
    drop(tx);
    assert!(
        said.iter()
            .any(|m| m.body["summary"].as_str().unwrap_or("").contains("quota")),
        "{said:?}"
    );
    assert_eq!(w.fake.delivered().len(), 0);
    let now = Utc::now();
    // Another server instance, which never saw the 429, stops too.
    let other =
        EmailService::new(w.settings.email.clone(), "https://crm.alpha.test".into()).unwrap();
    let later = run_due(&other, &w.t.db, w.a, now + chrono::Duration::minutes(5))
        .await
        .unwrap();
    assert!(
        later.note.unwrap().contains("paused until"),
        "no sending later today"
    );
    // The cockpit reads the pause (as the person) and shows why.
    let mut tx = w.t.tx(w.a, w.human).await;
    let pause = sending::paused(&mut tx, now)
        .await
        .unwrap()
        .expect("a pause in force");
    drop(tx);
    let until = pause.until.expect("a quota pause ends");
    assert!(until > now && pause.reason.contains("quota"), "{pause:?}");
    // Beta's sending is its own.
    let mut tx = w.t.tx(w.b, w.human).await;
    assert_eq!(sending::paused(&mut tx, now).await.unwrap(), None);
    drop(tx);
    let tomorrow = (now + chrono::Duration::days(1))
        .date_naive()
        .and_hms_opt(0, 30, 0)
        .unwrap()
        .and_utc();
    assert_eq!(
        run_due(&w.email, &w.t.db, w.a, tomorrow)
            .await
            .unwrap()
            .sent,
        1
    );
}

#[tokio::test]
async fn an_unresolved_send_goes_to_review_instead_of_being_resent() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    let e = w.enroll(seq, ada).await.unwrap();
    w.fake.script(500, "application_error", None, 1);
    assert_eq!(w.run("2027-01-04T10:00:00Z").await.sent, 0);
    // Resend keeps idempotency keys 24 h: a day after the first attempt its
    // outcome can no longer be settled by replaying it.
    sqlx::query("UPDATE email_sends SET first_attempt_at = now() - interval '24 hours'")
        .execute(&w.t.owner)
        .await
        .unwrap();
    let r = w.run("2027-01-04T10:05:00Z").await;
    assert_eq!((r.sent, r.review), (0, 1), "{r:?}");
    assert_eq!(w.fake.delivered().len(), 0);
    let paused = w.enrollment(e).await;
    assert_eq!(
        (paused.status, paused.stop_reason),
        (Status::Paused, Some(StopReason::NeedsReview))
    );
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    assert_eq!(outbox::needing_decision(&mut tx).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_concurrent_request_conflict_is_retried_once_later() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    w.enroll(seq, ada).await.unwrap();
    w.fake
        .script(409, "concurrent_idempotent_requests", None, 1);
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!(r.sent, 0, "{r:?}");
    assert!(r.note.unwrap().contains("will retry"));
    assert_eq!(w.run("2027-01-04T10:00:30Z").await.sent, 1);
    let sent = w.fake.delivered();
    assert_eq!(sent.len(), 1);
    let keys = w.fake.0.lock().unwrap().requests.clone();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "the retry used the same key");
}

#[tokio::test]
async fn the_daily_cap_holds_sends_until_tomorrow() {
    let w = world_with(json!({ "daily_cap": 1 })).await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let bob = w.contact("Bob", Some("bob@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    w.enroll(seq, ada).await.unwrap();
    w.enroll(seq, bob).await.unwrap();
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(r.note.as_deref(), Some("daily sending cap reached"));
    assert_eq!(w.run("2027-01-04T15:00:00Z").await.sent, 0);
    assert_eq!(w.run("2027-01-05T10:00:00Z").await.sent, 1);
    assert_eq!(w.fake.delivered().len(), 2);
}

#[tokio::test]
async fn the_rate_cap_is_shared_by_every_instance_and_kept_per_client() {
    let w = world().await;
    let gap = 0.05;
    // Eight takers at once, as workers on several instances would be.
    let takers: Vec<_> = (0..8)
        .map(|_| {
            let (db, a) = (w.t.db.clone(), w.a);
            tokio::spawn(async move {
                let mut slots = Vec::new();
                for _ in 0..3 {
                    let mut tx = db.begin(a, Actor::Agent).await.unwrap();
                    slots.push(sending::take_slot(&mut tx, gap).await.unwrap().0);
                    tx.commit().await.unwrap();
                }
                slots
            })
        })
        .collect();
    let mut slots = Vec::new();
    for t in takers {
        slots.extend(t.await.unwrap());
    }
    slots.sort();
    assert_eq!(slots.len(), 24);
    for pair in slots.windows(2) {
        assert!(
            pair[1] - pair[0] >= chrono::Duration::milliseconds(50),
            "two requests closer than the cap allows: {pair:?}"
        );
    }
    // Beta's account is its own: alpha's queue does not hold it back.
    let mut tx = w.t.tx(w.b, Actor::Agent).await;
    let (_, first) = sending::take_slot(&mut tx, gap).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = w.t.tx(w.b, Actor::Agent).await;
    let (_, second) = sending::take_slot(&mut tx, gap).await.unwrap();
    tx.commit().await.unwrap();
    assert!(first <= 0.0 && second <= gap, "{first} {second}");
}
