//! A sequence over simulated time: delays, windows, refusals, unsubscribe.

use chrono::Utc;
use redkey_data::records;
use redkey_data::{activities, suppressions, Actor};
use redkey_types::Contact;
use redkey_types::{EmailAddress, EnrollmentStatus as Status, StopReason, SuppressionReason};
use serde_json::json;
use uuid::Uuid;

use super::*;

#[tokio::test]
async fn a_three_step_sequence_runs_to_completion_with_delays_and_window() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w
        .sequence(vec![
            step(0, false, "Hello {{first_name}}"),
            step(2, false, "Following up"),
            step(3, true, "Last note"),
        ])
        .await;
    let e = w.enroll(seq, ada).await.unwrap();

    // Monday 2027-01-04 10:00 UTC: scheduled and sent in one run.
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!((r.scheduled, r.sent), (1, 1), "{r:?}");
    let sent = w.fake.delivered();
    assert_eq!(sent.len(), 1);
    let first = &sent[0].1;
    assert_eq!(first["subject"], "Hello Ada");
    assert_eq!(first["text"], "Hi Ada, this is Justin Founder.");
    assert_eq!(first["to"], json!(["ada@lovelace.test"]));
    let unsubscribe = first["headers"]["List-Unsubscribe"].as_str().unwrap();
    assert!(
        unsubscribe.starts_with("<https://crm.alpha.test/u/"),
        "{unsubscribe}"
    );
    assert_eq!(
        first["headers"]["List-Unsubscribe-Post"],
        "List-Unsubscribe=One-Click"
    );
    let enrollment = w.enrollment(e).await;
    assert_eq!(
        first["reply_to"].as_str().unwrap(),
        format!("reply+{}@in.alpha.test", enrollment.reply_token)
    );
    assert_eq!(sent[0].0, format!("seq-{e}-step-0"));
    assert_eq!(enrollment.current_step, 1);
    assert_eq!(enrollment.next_due_at, Some(at("2027-01-06T10:00:00Z")));

    // Operational fields and the activity.
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let c = records::get::<Contact>(&mut tx, ada).await.unwrap();
    assert_eq!(c.sequence_step, Some(0));
    assert_eq!(c.last_activity_at, Some(at("2027-01-04T10:00:00Z")));
    assert_eq!(c.email_thread_count, 1);
    let acts = activities::latest_of(&mut tx, redkey_types::RecordKind::Contact, ada, None, 100)
        .await
        .unwrap();
    assert_eq!(acts.iter().filter(|a| a.kind == "email_sent").count(), 1);
    drop(tx);

    // Resend reports the first message's id: follow-ups thread under it.
    let provider_id: String = sqlx::query_scalar("SELECT provider_id FROM email_sends")
        .fetch_one(&w.t.owner)
        .await
        .unwrap();
    let sent_event = json!({
        "type": "email.sent", "created_at": "2027-01-04T10:00:01Z",
        "data": { "email_id": provider_id, "message_id": "<first@resend.test>", "to": ["ada@lovelace.test"] }
    });
    redkey::email::events::handle(&w.t.db, w.a, "msg_sent_1", &sent_event, Utc::now())
        .await
        .unwrap();

    // Not due on Tuesday; step 2 on Wednesday; 3 business days later is Monday.
    assert_eq!(w.run("2027-01-05T10:00:00Z").await.sent, 0);
    assert_eq!(w.run("2027-01-06T10:00:00Z").await.sent, 1);
    let second = &w.fake.delivered()[1].1;
    assert_eq!(second["headers"]["In-Reply-To"], "<first@resend.test>");
    assert_eq!(second["headers"]["References"], "<first@resend.test>");
    assert_eq!(
        w.enrollment(e).await.next_due_at,
        Some(at("2027-01-11T10:00:00Z"))
    );
    assert_eq!(w.run("2027-01-09T12:00:00Z").await.sent, 0, "Saturday");
    assert_eq!(w.run("2027-01-11T09:59:00Z").await.sent, 0);
    assert_eq!(w.run("2027-01-11T10:00:00Z").await.sent, 1);
    let done = w.enrollment(e).await;
    assert_eq!((done.status, done.current_step), (Status::Complete, 3));
    assert_eq!(w.fake.delivered().len(), 3);
    assert_eq!(w.run("2027-01-20T10:00:00Z").await.sent, 0);
}

#[tokio::test]
async fn sends_wait_for_the_window_and_weekdays() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "Hi")]).await;
    let e = w.enroll(seq, ada).await.unwrap();
    // Friday 18:00: after hours, so Monday 09:00.
    let r = w.run("2027-01-08T18:00:00Z").await;
    assert_eq!((r.scheduled, r.sent), (1, 0));
    assert_eq!(
        w.enrollment(e).await.next_due_at,
        Some(at("2027-01-11T09:00:00Z"))
    );
    assert_eq!(w.run("2027-01-10T09:00:00Z").await.sent, 0, "Sunday");
    assert_eq!(w.run("2027-01-11T09:00:00Z").await.sent, 1);
}

#[tokio::test]
async fn enrollment_refuses_with_a_reason() {
    let w = world().await;
    let seq = w.sequence(vec![step(0, false, "Hi")]).await;
    let nobody = w.contact("NoMail", None).await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let gone = w.contact("Gone", Some("gone@lovelace.test")).await;
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let gone_address = EmailAddress::parse("Gone@Lovelace.test").unwrap();
    suppressions::suppress(&mut tx, &gone_address, SuppressionReason::Unsubscribed)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let err = w.enroll(seq, nobody).await.unwrap_err().to_string();
    assert!(err.contains("no email address"), "{err}");
    let err = w.enroll(seq, gone).await.unwrap_err().to_string();
    assert!(err.contains("unsubscribed"), "{err}");
    w.enroll(seq, ada).await.unwrap();
    let err = w.enroll(seq, ada).await.unwrap_err().to_string();
    assert!(err.contains("already in this sequence"), "{err}");
}

#[tokio::test]
async fn one_click_unsubscribe_stops_the_next_step() {
    let w = world().await;
    let (addr, ada, e) = w.first_step_sent_to_ada().await;
    let link = w.fake.delivered()[0].1["headers"]["List-Unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(['<', '>'])
        .to_string();
    let path = link.trim_start_matches("https://crm.alpha.test");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("http://{addr}{path}");

    // The page asks; it does not act.
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<button"));
    assert_eq!(w.enrollment(e).await.status, Status::Active);
    // A forged token of the right shape is not found and changes nothing.
    let forged = format!("http://{addr}/u/{}{}", w.a.0.simple(), "0".repeat(48));
    assert_eq!(http.post(&forged).send().await.unwrap().status(), 404);

    for _ in 0..2 {
        let r = http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("location").is_none());
        assert_eq!(r.text().await.unwrap(), "");
    }
    let stopped = w.enrollment(e).await;
    assert_eq!(
        (stopped.status, stopped.stop_reason),
        (Status::Stopped, Some(StopReason::Unsubscribed))
    );
    assert_eq!(w.run("2027-01-05T10:00:00Z").await.sent, 0);
    assert_eq!(w.fake.delivered().len(), 1);

    // Checked at send time too: an enrollment made before the suppression
    // (here: in another sequence) is stopped when its step comes up.
    let other = w.sequence(vec![step(0, false, "Other")]).await;
    let mut tx = w.t.tx(w.a, w.human).await;
    let late = sqlx::query_scalar::<_, Uuid>(
        "INSERT INTO crm_sequence_contacts (sequence_id, contact_id, status) VALUES ($1, $2, 'active') RETURNING id",
    )
    .bind(other)
    .bind(ada)
    .fetch_one(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let r = w.run("2027-01-05T11:00:00Z").await;
    assert_eq!(r.sent, 0);
    assert_eq!(w.enrollment(late).await.status, Status::Stopped);
    assert_eq!(w.fake.delivered().len(), 1);
}
