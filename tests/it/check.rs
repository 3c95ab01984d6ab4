//! `redkey check` against a real database and the fake providers: one line
//! per check, a failing exit when any fails, and no secret in its output.

use redkey_testkit::TestDb;
use serde_json::json;

use crate::helpers::{command, fake_anthropic::FakeAnthropic, fake_resend::FakeResend};

fn check(env: &[(&str, &str)]) -> (bool, String, String) {
    let ran = command::redkey(env, &["check"]);
    (ran.ok, ran.out, ran.err)
}

fn account(key: &str, from: &str) -> String {
    json!([{ "client": "alpha", "api_key": key, "from": from,
             "webhook_secret": "whsec_c2VjcmV0c2VjcmV0c2VjcmV0" }])
    .to_string()
}

fn line<'a>(out: &'a str, what: &str) -> &'a str {
    out.lines()
        .find(|l| l[5..].starts_with(what))
        .unwrap_or_else(|| panic!("no {what} line in:\n{out}"))
}

// The providers are served from this process while `redkey check` runs as
// a child: a second worker keeps them answering while one waits for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_is_checked_in_one_line_each() {
    let t = TestDb::new().await;
    t.client("alpha").await;
    let (resend_url, resend) = FakeResend::start().await;
    resend.domain("mail.alpha.test", "verified");
    let (model_url, model) = FakeAnthropic::start().await;
    let url = t.url();
    let email = account("re_live_key_1234", "Alpha <hello@mail.alpha.test>");
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("RESEND_BASE_URL", resend_url.as_str()),
        ("REDKEY_EMAIL", email.as_str()),
        ("ANTHROPIC_BASE_URL", model_url.as_str()),
        ("ANTHROPIC_API_KEY", "sk-ant-check-secret"),
        ("REDKEY_PUBLIC_URL", "https://crm.alpha.test"),
    ];
    let (ok, out, err) = check(&env);
    assert!(ok, "{out}\n{err}");
    for what in [
        "configuration",
        "public URL",
        "database",
        "serving login",
        "email alpha",
        "model",
    ] {
        assert!(line(&out, what).starts_with("ok "), "{out}");
    }
    assert!(line(&out, "database").contains(&format!(
        "schema {}, current",
        redkey::admin::latest_migration()
    )));
    assert!(line(&out, "serving login").contains("NOINHERIT"));
    assert!(line(&out, "email alpha").contains("mail.alpha.test verified"));
    let asked = model.requests();
    assert_eq!(asked.len(), 1, "one request to the model");
    assert_eq!(asked[0].1["max_tokens"], 1);
    assert!(!out.contains("re_live_key_1234") && !out.contains("sk-ant-check-secret"));

    // A domain still pending and a refused model key: each its own failing
    // line, and a failing exit.
    resend.domain("mail.beta.test", "pending");
    model.script(401, json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}), None);
    let pending = account("re_live_key_1234", "Beta <hi@mail.beta.test>");
    let mut env = env.to_vec();
    env.retain(|(k, _)| *k != "REDKEY_EMAIL");
    env.push(("REDKEY_EMAIL", &pending));
    let (ok, out, err) = check(&env);
    assert!(!ok);
    assert_eq!(err, "error: 2 check(s) failed", "{out}");
    assert!(
        line(&out, "email alpha").starts_with("FAIL")
            && line(&out, "email alpha").contains("mail.beta.test is pending"),
        "{out}"
    );
    assert!(
        line(&out, "model").starts_with("FAIL") && line(&out, "model").contains("401"),
        "{out}"
    );
    assert!(line(&out, "database").starts_with("ok "), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_services_and_bad_configuration_fail_clearly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = format!("postgres://nobody:hunter2@127.0.0.1:{port}/crm");
    let (ok, out, _) = check(&[("DATABASE_URL", &db)]);
    assert!(!ok);
    let l = line(&out, "database");
    assert!(
        l.starts_with("FAIL") && l.contains("cannot connect"),
        "{out}"
    );
    assert!(!out.contains("hunter2"), "the password leaked: {out}");

    let (ok, out, err) = check(&[("ANTHROPIC_BASE_URL", "ftp://nowhere")]);
    assert!(!ok);
    assert!(line(&out, "configuration").starts_with("FAIL"), "{out}");
    assert!(out.contains("is not an http(s) URL"), "{out}");
    assert_eq!(err, "error: the configuration is not valid");

    // Plain http on a public name is refused before anything is reached.
    let (ok, out, err) = check(&[("REDKEY_PUBLIC_URL", "http://crm.alpha.test")]);
    assert!(!ok);
    assert!(
        line(&out, "configuration").contains("plain http on a public name"),
        "{out}"
    );
    assert_eq!(err, "error: the configuration is not valid");

    let (resend_url, _resend) = FakeResend::start().await;
    let revoked = account("re_revoked", "Alpha <hello@mail.alpha.test>");
    let (ok, out, _) = check(&[
        ("RESEND_BASE_URL", &resend_url),
        ("REDKEY_EMAIL", &revoked),
        ("REDKEY_PUBLIC_URL", "http://127.0.0.1:3000"),
    ]);
    assert!(!ok);
    let l = line(&out, "email alpha");
    assert!(
        l.starts_with("FAIL") && l.contains("refused the API key"),
        "{out}"
    );
}
