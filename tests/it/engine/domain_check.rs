//! `email.domain_check`: arlo asks Resend about a client's sending domain,
//! starts the check when it has not begun, keeps the answer for Settings →
//! Onboarding, and stops asking once it is verified.

use std::sync::Arc;

use redkey::{config::Settings, email::EmailService, engine::Engine};
use redkey_data::{engine::Outcome, onboarding, Actor};
use redkey_testkit::TestDb;
use serde_json::json;

use super::*;
use crate::helpers::fake_resend::FakeResend;

#[tokio::test]
async fn arlo_rechecks_the_sending_domain_until_it_is_verified() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    onboarding::set_sending_domain(&t.owner, a.0, "mail.alpha.test")
        .await
        .unwrap();
    let (url, resend) = FakeResend::start().await;
    resend.domain("mail.alpha.test", "not_started");
    let accounts =
        json!([{ "client": "alpha", "api_key": "re_alpha", "from": "A <a@mail.alpha.test>",
                            "webhook_secret": "whsec_c2VjcmV0c2VjcmV0c2VjcmV0" }])
        .to_string();
    let email = Settings::from_pairs(&[
        ("REDKEY_EMAIL", &accounts),
        ("RESEND_BASE_URL", &url),
        ("REDKEY_PUBLIC_URL", "https://crm.alpha.test"),
    ])
    .unwrap()
    .email;
    let service = Arc::new(EmailService::new(email, "https://crm.alpha.test".into()).unwrap());
    let engine = Engine::new(t.db.clone(), settings("one", &[]), Some(service)).unwrap();
    let t = &t;
    let run = |client| {
        let engine = engine.clone();
        async move {
            enqueue(t, client, "email.domain_check", json!({})).await;
            let ran = engine.run_one().await.unwrap().unwrap();
            match ran.outcome {
                Outcome::Succeeded(v) => v,
                other => panic!("{other:?}"),
            }
        }
    };
    let state = |client| async move {
        let mut tx = t.tx(client, Actor::Agent).await;
        onboarding::domain_state(&mut tx).await.unwrap()
    };

    // Not started: the check is started and the answer kept.
    let first = run(a).await;
    assert_eq!(first["status"], "pending", "{first}");
    assert_eq!(first["verify_started"], true);
    assert_eq!(resend.0.lock().unwrap().verifications, 1);
    assert_eq!(
        state(a).await,
        (Some("mail.alpha.test".into()), Some("pending".into()))
    );

    // Still pending: asked again, not started twice.
    let second = run(a).await;
    assert_eq!(
        (
            second["status"].as_str(),
            second["verify_started"].as_bool()
        ),
        (Some("pending"), Some(false))
    );
    assert_eq!(resend.0.lock().unwrap().verifications, 1);

    // Verified: kept, and from then on Resend is not asked at all.
    resend.dns_found("mail.alpha.test");
    assert_eq!(run(a).await["status"], "verified");
    assert_eq!(state(a).await.1.as_deref(), Some("verified"));
    assert_eq!(run(a).await["asked"], false);

    // A client without a domain, or without an account, is left alone.
    assert_eq!(run(b).await["domain"], serde_json::Value::Null);
    onboarding::set_sending_domain(&t.owner, b.0, "mail.beta.test")
        .await
        .unwrap();
    assert_eq!(run(b).await["skipped"], "no Resend account for this client");
    assert_eq!(state(b).await.1, None);
}
