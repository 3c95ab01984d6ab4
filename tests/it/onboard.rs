//! `redkey client onboard` into an empty database, twice, and `redkey
//! client status` after the DNS records are found: every step carried out
//! once, each step's state printed, the DNS records shown as Resend gives
//! them.

use redkey_testkit::EmptyDb;
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{command, fake_resend::FakeResend, visitor::Visitor};

fn redkey(env: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let ran = command::redkey(env, args);
    (ran.ok, ran.out, ran.err)
}

/// A fake Resend and the settings naming it, with `slug`'s account.
async fn acme(slug: &str) -> (FakeResend, Vec<(&'static str, String)>) {
    let (resend_url, resend) = FakeResend::start().await;
    let email =
        json!([{ "client": slug, "api_key": "re_acme_key", "from": "Acme <hello@mail.acme.test>",
                         "webhook_secret": "whsec_c2VjcmV0c2VjcmV0c2VjcmV0" }])
        .to_string();
    let env = vec![
        ("RESEND_BASE_URL", resend_url),
        ("REDKEY_EMAIL", email),
        ("REDKEY_PUBLIC_URL", "https://crm.acme.test".to_string()),
    ];
    (resend, env)
}

fn line<'a>(out: &'a str, number: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(number))
        .unwrap_or_else(|| panic!("no step {number} in:\n{out}"))
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

// The fake Resend is served from this process while the command runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_twice_sets_up_each_step_once_and_status_follows_dns() {
    let db = EmptyDb::new().await;
    let url = db.url();
    let (resend, owned) = acme("acme-corp").await;
    let env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let onboard = [
        "client",
        "onboard",
        "--name",
        "Acme Corp",
        "--database-url",
        &url,
        "--sending-domain",
        "Mail.Acme.test",
        "--admin-email",
        "ada@acme.test",
    ];

    let (ok, out, err) = redkey(&env, &onboard);
    assert!(ok, "{out}\n{err}");
    let schema = redkey::admin::latest_migration();
    assert!(
        line(&out, "1.").contains(&format!("done   database        schema {schema}, current")),
        "{out}"
    );
    assert!(
        line(&out, "2.").contains("done   workspace       Acme Corp (acme-corp) created"),
        "{out}"
    );
    // The pipeline is there; the admin still has to accept.
    assert!(
        line(&out, "3.").contains("todo   cockpit         pipeline Sales (6 stages)"),
        "{out}"
    );
    let link = out
        .lines()
        .find(|l| l.contains("ada@acme.test invited as admin"))
        .expect(&out);
    let token = link
        .split("/invite/")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(
        token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "{link}"
    );
    assert!(link.contains("https://crm.acme.test/invite/"), "{link}");
    assert!(line(&out, "4.").contains("done   ingestion"), "{out}");
    assert!(
        out.contains("POST https://crm.acme.test/ingest/forms/"),
        "{out}"
    );
    assert!(
        out.contains("https://crm.acme.test/webhooks/resend/acme-corp"),
        "{out}"
    );
    assert!(
        line(&out, "5.").contains("todo   sending domain  mail.acme.test is pending at Resend"),
        "{out}"
    );
    assert!(out.contains("DKIM  TXT   resend._domainkey.mail.acme.test  p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDtest"), "{out}");
    assert!(
        out.contains(
            "SPF   MX    send.mail.acme.test  feedback-smtp.us-east-1.amazonses.com priority 10"
        ),
        "{out}"
    );
    assert!(
        out.contains("_dmarc.mail.acme.test  v=DMARC1; p=none"),
        "{out}"
    );
    assert!(!out.contains("re_acme_key"));
    assert_eq!(resend.0.lock().unwrap().verifications, 1);

    let pool = PgPool::connect(&url).await.unwrap();
    let counts = |pool: PgPool| async move {
        let mut c = Vec::new();
        for t in [
            "workspaces",
            "pipelines",
            "pipeline_stages",
            "invitations",
            "ingest_sources",
        ] {
            c.push(count(&pool, t).await);
        }
        c
    };
    let first = counts(pool.clone()).await;
    assert_eq!(first, vec![1, 1, 6, 1, 1]);

    // Again: nothing new anywhere, no second link, no second domain.
    let (ok, out, err) = redkey(&env, &onboard);
    assert!(ok, "{out}\n{err}");
    assert_eq!(counts(pool.clone()).await, first);
    assert!(!out.contains("/invite/"), "{out}");
    assert!(
        out.contains("       1 admin invitation(s) waiting to be accepted"),
        "{out}"
    );
    assert_eq!(resend.0.lock().unwrap().domains.len(), 1);
    assert_eq!(
        resend.0.lock().unwrap().verifications,
        1,
        "pending: not asked again"
    );

    // Resend found the records: status says so, and changes nothing.
    let status = [
        "client",
        "status",
        "--client",
        "acme-corp",
        "--database-url",
        &url,
    ];
    resend.dns_found("mail.acme.test");
    let (ok, out, err) = redkey(&env, &status);
    assert!(ok, "{out}\n{err}");
    assert!(
        line(&out, "5.").contains("done   sending domain  mail.acme.test verified at Resend"),
        "{out}"
    );
    assert_eq!(counts(pool.clone()).await, first);

    // The first admin accepts the link the command printed; then the
    // cockpit step is done.
    let as_app = std::str::FromStr::from_str(&url)
        .map(|o: sqlx::postgres::PgConnectOptions| o.username("redkey_app"));
    let serving = redkey_data::pool_options()
        .connect_with(as_app.unwrap())
        .await
        .unwrap();
    let app = redkey_data::Db::connect(serving).await.unwrap();
    assert!(redkey_data::invitations::lookup(&app, token)
        .await
        .unwrap()
        .is_some());
    let hash = redkey_data::password::hash_password("a long admin password").unwrap();
    redkey_data::invitations::accept(&app, token, "Ada Admin", Some(&hash))
        .await
        .unwrap();
    let (ok, out, err) = redkey(&env, &status);
    assert!(ok, "{out}\n{err}");
    assert!(line(&out, "3.").contains("done   cockpit"), "{out}");
    assert!(out.contains("all five steps done"), "{out}");

    // A client without a Resend account is told what to add.
    let beta = [
        "client",
        "onboard",
        "--name",
        "Beta",
        "--database-url",
        &url,
        "--sending-domain",
        "mail.beta.test",
    ];
    let (ok, out, err) = redkey(&env, &beta);
    assert!(ok, "{out}\n{err}");
    assert!(
        line(&out, "5.").contains("add beta's Resend account to REDKEY_EMAIL"),
        "{out}"
    );
    assert!(
        line(&out, "3.").contains("todo")
            && out.contains("no admin: onboard again with --admin-email"),
        "{out}"
    );

    let (ok, out, _) = redkey(
        &env,
        &[
            "client",
            "status",
            "--client",
            "nobody",
            "--database-url",
            &url,
        ],
    );
    assert!(!ok);
    assert!(
        line(&out, "2.").contains("FAILED workspace       no client \"nobody\""),
        "{out}"
    );
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_shows_the_checklist_to_an_admin() {
    let t = redkey_testkit::TestDb::new().await;
    let url = t.url();
    let (_resend, owned) = acme("acme").await;
    let env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (ok, out, err) = redkey(
        &env,
        &[
            "client",
            "onboard",
            "--name",
            "Acme",
            "--database-url",
            &url,
            "--sending-domain",
            "mail.acme.test",
        ],
    );
    assert!(ok, "{out}\n{err}");
    t.user("ada@acme.test", &["acme"]).await;
    t.member("bo@acme.test", &["acme"]).await;
    let settings =
        redkey::config::Settings::from_pairs(&[("REDKEY_PUBLIC_URL", "https://crm.acme.test")])
            .unwrap();
    let addr = crate::helpers::spawn_app(&t, &settings).await;

    let admin = Visitor::sign_in(addr, "ada@acme.test").await;
    let page = admin.text("/settings/onboarding").await;
    for (step, state) in [
        ("database", "done"),
        ("workspace", "done"),
        ("cockpit", "done"),
        ("ingestion", "done"),
        ("sending-domain", "todo"),
    ] {
        assert!(
            page.contains(&format!(r#"data-step="{step}" data-state="{state}""#)),
            "{step} {state}:\n{page}"
        );
    }
    assert!(page.contains("Pipeline Sales with 6 stages."), "{page}");
    assert!(
        page.contains("POST https://crm.acme.test/ingest/forms/"),
        "{page}"
    );
    assert!(
        page.contains("https://crm.acme.test/webhooks/resend/acme"),
        "{page}"
    );
    assert!(page.contains("mail.acme.test: pending (Resend, "), "{page}");
    assert!(
        page.contains("redkey client status --client acme"),
        "{page}"
    );

    let member = Visitor::sign_in(addr, "bo@acme.test").await;
    let page = member.text("/settings/onboarding").await;
    assert!(
        page.contains("only an admin of this client manages its settings"),
        "{page}"
    );
    assert!(!page.contains("/ingest/forms/"));
}
