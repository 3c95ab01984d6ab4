//! SIGKILL the server between Resend's 200 and our commit: after a restart,
//! the stored request goes out again under the same Idempotency-Key, the
//! provider answers from its cache, and every step is mailed exactly once.

use std::time::{Duration, Instant};

use crate::helpers::{fake_resend::FakeResend, server_process::start_server};
use chrono::NaiveTime;
use redkey_data::records;
use redkey_data::{
    contacts::ContactField,
    sequences::{self, SequenceInput},
    tasks::{self, NewTask},
    Actor,
};
use redkey_testkit::TestDb;
use redkey_types::{EmailAddress, Step};
use serde_json::json;

#[tokio::test]
async fn a_crash_between_the_providers_200_and_the_commit_mails_each_step_once() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let (url, fake) = FakeResend::start().await;
    let accounts = json!([{
        "client": "alpha", "api_key": "re_test", "from": "Justin <justin@alpha.test>",
        "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    }])
    .to_string();

    let mut tx = t.tx(a, human).await;
    let ada = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Ada".into()),
            ContactField::LastName("Lovelace".into()),
            ContactField::Email(Some(EmailAddress::parse("ada@lovelace.test").unwrap())),
        ],
    )
    .await
    .unwrap();
    let step = |s: &str| Step {
        delay_days: 0,
        business_days: false,
        subject: s.into(),
        body: "Hi {{first_name}}".into(),
        intent: None,
    };
    let seq = sequences::create(
        &mut tx,
        &SequenceInput {
            name: "Crash".into(),
            steps: vec![step("One"), step("Two")],
            window_start: NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
            window_end: NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
            weekdays: vec![1, 2, 3, 4, 5, 6, 7],
            time_zone: "UTC".into(),
            personalised: false,
        },
    )
    .await
    .unwrap();
    let enrollment = sequences::enroll(&mut tx, seq.id, ada.id).await.unwrap();
    tx.commit().await.unwrap();

    let email = [
        ("REDKEY_EMAIL", accounts.as_str()),
        ("RESEND_BASE_URL", url.as_str()),
        ("REDKEY_PUBLIC_URL", "https://crm.alpha.test"),
    ];
    let mut doomed = start_server(
        &t,
        "doomed",
        &[
            email[0],
            email[1],
            email[2],
            ("REDKEY_FAILPOINT", "after_send_before_commit"),
        ],
    );
    // The 30-second timer's task, asked for now.
    let mut tx = t.tx(a, Actor::Agent).await;
    let mut task = NewTask::new("roles.crm", "sequence.step", json!({}), "agent:test".into());
    task.dedupe_key = Some("timer:sequence.step".into());
    tasks::enqueue(&mut tx, &task).await.unwrap();
    tx.commit().await.unwrap();
    doomed
        .wait_for_stderr(
            "failpoint after_send_before_commit reached",
            Duration::from_secs(30),
        )
        .await;
    doomed.kill9();
    assert_eq!(fake.delivered().len(), 1, "the provider accepted step one");
    let (send_status, provider): (String, Option<String>) =
        sqlx::query_as("SELECT status, provider_id FROM email_sends WHERE step = 0")
            .fetch_one(&t.owner)
            .await
            .unwrap();
    assert_eq!(
        (send_status.as_str(), provider),
        ("pending", None),
        "but we never recorded it"
    );

    let survivor = start_server(&t, "survivor", &email);
    let started = Instant::now();
    loop {
        let status: String =
            sqlx::query_scalar("SELECT status FROM sequence_contacts WHERE id = $1")
                .bind(enrollment.id)
                .fetch_one(&t.owner)
                .await
                .unwrap();
        if status == "complete" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never completed: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(survivor);

    let delivered = fake.delivered();
    assert_eq!(delivered.len(), 2, "one email per step: {delivered:?}");
    assert_eq!(
        fake.replays(),
        1,
        "step one's retry was answered from the key cache"
    );
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM activities WHERE kind = 'email_sent'")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(sent, 2);
}
