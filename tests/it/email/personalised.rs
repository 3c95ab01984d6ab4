//! Sequences that ask for it get each step personalised by the model; the
//! stored request is what goes out (so a retry sends the same bytes), and
//! the template stands in when the model cannot answer. Others never ask
//! the model.

use std::{sync::Arc, time::Duration};

use redkey::arlo::{drafting::StepDrafter, model::ModelClient};
use secrecy::SecretString;

use super::*;
use crate::helpers::fake_anthropic::{error, message, FakeAnthropic};

async fn with_model(w: &mut World) -> FakeAnthropic {
    let (url, fake) = FakeAnthropic::start().await;
    let model = ModelClient::new(&url, SecretString::from("sk-ant-test"), "claude-sonnet-5-5")
        .unwrap()
        .with_retries(1, Duration::from_millis(10));
    let service = EmailService::new(w.settings.email.clone(), "https://crm.alpha.test".into())
        .unwrap()
        .with_drafter(StepDrafter::new(model, 1_000_000));
    w.email = Arc::new(service);
    fake
}

fn written(subject: &str, text: &str) -> Value {
    let body = json!({ "subject": subject, "text": text }).to_string();
    message(json!([{ "type": "text", "text": body }]))
}

#[tokio::test]
async fn a_personalised_step_sends_what_the_model_wrote_and_the_template_stands_in() {
    let mut w = world().await;
    let fake = with_model(&mut w).await;
    fake.script(
        200,
        written("Ada, a quick idea for Lovelace Labs", "Hi Ada, ... Justin"),
        None,
    );
    fake.script(400, error("invalid_request_error"), None);
    let seq = w
        .sequence_with(vec![step(0, false, "One"), step(0, false, "Two")], true)
        .await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    w.enroll(seq, ada).await.unwrap();
    w.run("2027-01-04T10:00:00Z").await;
    w.run("2027-01-04T10:00:30Z").await;
    let sent = w.fake.delivered();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].1["subject"], "Ada, a quick idea for Lovelace Labs");
    assert_eq!(sent[0].1["text"], "Hi Ada, ... Justin");
    // The model refused the second: the template, filled in.
    assert_eq!(sent[1].1["subject"], "Two");
    assert_eq!(sent[1].1["text"], "Hi Ada, this is Justin Founder.");
    let asked = fake.requests();
    assert_eq!(asked.len(), 2);
    let system = asked[0].1["system"].as_str().unwrap();
    assert!(
        system.contains("Hi {{first_name}}, this is {{sender_name}}.")
            && system.contains("\"first_name\":\"Ada\""),
        "{system}"
    );
    // What went out is what the outbox stored before the attempt.
    let stored: String = sqlx::query_scalar("SELECT request FROM email_sends WHERE step = 0")
        .fetch_one(&w.t.owner)
        .await
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), sent[0].1);
    let calls: i64 = sqlx::query_scalar("SELECT count(*) FROM model_calls")
        .fetch_one(&w.t.owner)
        .await
        .unwrap();
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn a_sequence_not_personalised_never_asks_the_model() {
    let mut w = world().await;
    let fake = with_model(&mut w).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    w.enroll(seq, ada).await.unwrap();
    w.run("2027-01-04T10:00:00Z").await;
    assert_eq!(w.fake.delivered()[0].1["subject"], "One");
    assert!(fake.requests().is_empty());
}
