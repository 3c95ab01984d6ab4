//! "Draft a follow-up": the email is stored in the outbox as a draft and
//! nothing goes out until the founder sends it; then it goes like any send
//! (its key, suppression at send time, the timeline), once.

use std::sync::Arc;

use redkey::{arlo::Arlo, config::Settings, email::sequence::run_due, email::EmailService};
use redkey_data::{outbox, suppressions, Actor};
use redkey_types::{EmailAddress, SendStatus, SuppressionReason};
use serde_json::json;

use super::*;
use crate::helpers::fake_resend::FakeResend;

async fn email_for_bezeliq() -> (Arc<EmailService>, FakeResend) {
    let (url, fake) = FakeResend::start().await;
    let accounts = json!([{
        "client": "bezeliq", "api_key": "re_test", "from": "Justin Founder <justin@bezeliq.test>",
        "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "daily_cap": 100
    }])
    .to_string();
    let settings = Settings::from_pairs(&[
        ("REDKEY_EMAIL", &accounts),
        ("RESEND_BASE_URL", &url),
        ("REDKEY_EMAIL_RATE", "200"),
        ("REDKEY_PUBLIC_URL", "https://crm.bezeliq.test"),
    ])
    .unwrap();
    let email = EmailService::new(settings.email, "https://crm.bezeliq.test".into()).unwrap();
    (Arc::new(email), fake)
}

fn follow_ups(fake: &FakeResend) -> Vec<(String, serde_json::Value)> {
    fake.delivered()
        .into_iter()
        .filter(|(_, body)| {
            body["subject"]
                .as_str()
                .unwrap_or("")
                .starts_with("Following up")
        })
        .collect()
}

#[tokio::test]
async fn a_drafted_follow_up_waits_for_send_then_goes_once_like_any_send() {
    let d = demo().await;
    let (email, fake) = email_for_bezeliq().await;
    let settings = Settings::from_pairs(&[("REDKEY_INSTANCE", "drafts")]).unwrap();
    let engine = Engine::new(d.t.db.clone(), settings.engine, Some(email.clone()))
        .unwrap()
        .with_arlo(Arlo::default());
    let a = d
        .ask(&engine, "Draft a follow-up to Sarah at Meridian")
        .await;
    let id = a.draft_id.expect("stored as a draft");
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let draft = outbox::get(&mut tx, id).await.unwrap();
    drop(tx);
    assert_eq!(draft.status, SendStatus::Draft);
    assert_eq!(draft.to_email.as_str(), "sarah.whitfield@meridian.test");
    assert!(draft.request.contains("justin@bezeliq.test"));

    // Not sent until the founder says so; arlo cannot say so.
    run_due(&email, &d.t.db, d.client, chrono::Utc::now())
        .await
        .unwrap();
    assert!(follow_ups(&fake).is_empty());
    let mut agent = d.t.tx(d.client, Actor::Agent).await;
    assert!(outbox::send_draft(&mut agent, id).await.is_err());
    drop(agent);

    let mut tx = d.t.tx(d.client, Actor::User(d.founder)).await;
    outbox::send_draft(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
    for _ in 0..2 {
        run_due(&email, &d.t.db, d.client, chrono::Utc::now())
            .await
            .unwrap();
    }
    let sent = follow_ups(&fake);
    assert_eq!(sent.len(), 1, "once");
    let (key, body) = &sent[0];
    assert_eq!(key, &draft.idempotency_key);
    assert_eq!(
        body.to_string(),
        serde_json::from_str::<serde_json::Value>(&draft.request)
            .unwrap()
            .to_string()
    );
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    assert_eq!(
        outbox::get(&mut tx, id).await.unwrap().status,
        SendStatus::Sent
    );
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM crm_activities WHERE kind = 'email_sent' AND contact_id = $1 \
         AND external_key = $2",
    )
    .bind(draft.contact_id)
    .bind(format!("send:{id}"))
    .fetch_one(tx.conn())
    .await
    .unwrap();
    assert_eq!(logged, 1);
    drop(tx);
    // Sending it twice is refused.
    let mut tx = d.t.tx(d.client, Actor::User(d.founder)).await;
    assert!(outbox::send_draft(&mut tx, id).await.is_err());
}

#[tokio::test]
async fn a_released_draft_to_a_suppressed_address_is_dropped() {
    let d = demo().await;
    let (email, fake) = email_for_bezeliq().await;
    let settings = Settings::from_pairs(&[("REDKEY_INSTANCE", "drafts")]).unwrap();
    let engine = Engine::new(d.t.db.clone(), settings.engine, Some(email.clone())).unwrap();
    let id = d
        .ask(&engine, "Draft a follow-up to Sarah at Meridian")
        .await
        .draft_id
        .unwrap();
    let mut tx = d.t.tx(d.client, Actor::User(d.founder)).await;
    outbox::send_draft(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
    // She unsubscribed meanwhile.
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let to = EmailAddress::parse("sarah.whitfield@meridian.test").unwrap();
    suppressions::suppress(&mut tx, &to, SuppressionReason::Unsubscribed)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    run_due(&email, &d.t.db, d.client, chrono::Utc::now())
        .await
        .unwrap();
    assert!(follow_ups(&fake).is_empty());
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    assert_eq!(
        outbox::get(&mut tx, id).await.unwrap().status,
        SendStatus::Dropped
    );
}
