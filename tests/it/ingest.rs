//! Ingestion over HTTP: website forms (every refusal stores nothing; the
//! happy paths create or update the contact, keep the submission and
//! enrol) and the meeting-notes webhook (signed, replay-safe, attached by
//! arlo with a suggestion, never a write).

use std::net::SocketAddr;

use hmac::{Hmac, Mac};
use redkey::{arlo::Arlo, config::Settings};
use redkey_data::{engine::Outcome, records, secrets::SecretBox, sources, Actor, ClientId};
use redkey_testkit::TestDb;
use redkey_types::{Contact, FormSettings, SourceKind};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::arlo::{demo, Demo};

const ORIGIN: &str = "https://alpha.test";

async fn form(
    t: &TestDb,
    client: ClientId,
    user: redkey_data::Actor,
    settings: FormSettings,
) -> String {
    let mut tx = t.tx(client, user).await;
    let s = sources::create(
        &mut tx,
        SourceKind::Form,
        "Contact us",
        &serde_json::to_value(settings).unwrap(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    s.public_key.unwrap()
}

async fn counts(t: &TestDb) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM activities)")
        .fetch_one(&t.owner)
        .await
        .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_form_post_creates_the_contact_keeps_the_submission_and_refuses_what_it_should() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let settings = FormSettings {
        allowed_origins: vec![ORIGIN.into()],
        thank_you_url: Some("https://alpha.test/thanks".into()),
        ..FormSettings::default()
    };
    let key = form(&t, a, human, settings).await;
    let addr: SocketAddr = crate::helpers::serve(&t).await;
    let url = format!("http://{addr}/ingest/forms/{key}");
    let http = client();

    // JSON from an allowed page: 201, readable by that page.
    let r = http
        .post(&url)
        .header("origin", ORIGIN)
        .json(&json!({ "email": "Nia@Example.com", "first_name": "Nia", "message": "Pricing?", "website": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let mut tx = t.tx(a, Actor::Agent).await;
    let nia = redkey_data::contacts::by_email(
        &mut tx,
        &redkey_types::EmailAddress::parse("nia@example.com").unwrap(),
    )
    .await
    .unwrap()
    .expect("created");
    assert_eq!(
        (nia.first_name.as_str(), nia.created_by_source),
        ("Nia", redkey_types::Source::Form)
    );
    let logged: (String, Option<String>, Value) = sqlx::query_as(
        "SELECT subject, body, properties FROM crm_activities WHERE contact_id = $1 AND kind = 'form'",
    )
    .bind(nia.id)
    .fetch_one(tx.conn())
    .await
    .unwrap();
    drop(tx);
    assert_eq!(logged.0, "Form: Contact us");
    assert_eq!(logged.1.as_deref(), Some("Pricing?"));
    assert_eq!(logged.2["fields"]["first_name"], "Nia");

    // A plain browser post (no script): to the thank-you page; an empty
    // first name does not overwrite, a new last name is kept.
    let r = http
        .post(&url)
        .form(&[
            ("email", "nia@example.com"),
            ("first_name", ""),
            ("last_name", "Okoro"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "https://alpha.test/thanks");
    let mut tx = t.tx(a, Actor::Agent).await;
    let again: Contact = records::get(&mut tx, nia.id).await.unwrap();
    drop(tx);
    assert_eq!(
        (again.first_name.as_str(), again.last_name.as_str()),
        ("Nia", "Okoro")
    );

    // Refusals store nothing.
    let before = counts(&t).await;
    let big = "x".repeat(20 * 1024);
    let cases: Vec<(reqwest::RequestBuilder, u16)> = vec![
        (
            http.post(format!(
                "http://{addr}/ingest/forms/no-such-form-key-000000"
            ))
            .json(&json!({"email": "a@b.co"})),
            404,
        ),
        (
            http.post(&url)
                .header("origin", "https://evil.test")
                .json(&json!({"email": "a@b.co"})),
            403,
        ),
        (
            http.post(&url)
                .json(&json!({"email": "a@b.co", "message": big})),
            413,
        ),
        (
            http.post(&url).json(&json!({"email": "not an address"})),
            422,
        ),
        (
            http.post(&url)
                .header("content-type", "application/json")
                .body("{nope"),
            400,
        ),
    ];
    for (req, status) in cases {
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{:?}", r.text().await);
    }
    // A robot's post looks accepted and is kept nowhere.
    let r = http
        .post(&url)
        .json(&json!({"email": "bot@spam.test", "website": "http://spam.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(counts(&t).await, before);

    // Preflight: allowed origin only.
    let ok = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(ok.headers()["access-control-allow-methods"], "POST");
    let no = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(no.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn one_address_posting_too_often_is_told_to_wait() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let key = form(&t, a, human, FormSettings::default()).await;
    let addr = crate::helpers::serve(&t).await;
    let url = format!("http://{addr}/ingest/forms/{key}");
    let http = client();
    let mut statuses = vec![];
    for i in 0..11 {
        let r = http
            .post(&url)
            .json(&json!({"email": format!("p{i}@x.test")}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses[..10], [201; 10]);
    assert_eq!(statuses[10], 429);
    let people: i64 = sqlx::query_scalar("SELECT count(*) FROM people")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(people, 10);
}

fn signed(secret: &str, ts: i64, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn notes_setup() -> (Demo, SocketAddr, String) {
    let d = demo().await;
    let key = SecretBox::generate_key();
    let settings = Settings::from_pairs(&[("REDKEY_SECRET_KEY", &key)]).unwrap();
    let store = settings.secrets.open().unwrap().unwrap();
    let mut tx = d.t.tx(d.client, Actor::User(d.founder)).await;
    let s = sources::create(&mut tx, SourceKind::Quill, "Quill", &json!({}))
        .await
        .unwrap();
    sources::set_secret(&mut tx, &store, s.id, "quill-signing-secret")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let addr = crate::helpers::spawn_app(&d.t, &settings).await;
    (d, addr, "quill-signing-secret".into())
}

#[tokio::test]
async fn signed_meeting_notes_are_attached_once_with_a_suggestion() {
    let (d, addr, secret) = notes_setup().await;
    // Someone at Acme, whose one open deal gets the note too.
    let acme_person: String = sqlx::query_scalar(
        "SELECT p.emails_primary_email FROM people p JOIN companies c ON c.id = p.company_id \
         WHERE c.name = 'Acme Logistics' ORDER BY p.emails_primary_email LIMIT 1",
    )
    .fetch_one(&d.t.owner)
    .await
    .unwrap();
    let body = json!({
        "meeting": { "id": "mtg_42", "title": "Budget review", "started_at": "2026-11-27T15:00:00Z" },
        "attendees": [{ "email": acme_person }, { "email": "stranger@nowhere.test" }],
        "summary": "Budget is frozen. Let's talk again in March.",
        "action_items": ["Send the revised proposal", "Book a call with finance"],
        "extra": { "ignored": true }
    })
    .to_string();
    let url = format!("http://{addr}/webhooks/quill/bezeliq");
    let now = chrono::Utc::now().timestamp();
    let post = |ts: i64, sig: String, delivery: &str, body: String| {
        reqwest::Client::new()
            .post(&url)
            .header("quill-delivery", delivery)
            .header("quill-timestamp", ts.to_string())
            .header("quill-signature", sig)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // Refused, storing nothing: a bad signature, a stale timestamp, a
    // client without notes, a body that is not a meeting.
    let tasks_before: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&d.t.owner)
        .await
        .unwrap();
    assert_eq!(
        post(now, signed("wrong", now, &body), "d1", body.clone())
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        post(
            now - 3600,
            signed(&secret, now - 3600, &body),
            "d1",
            body.clone()
        )
        .await
        .unwrap()
        .status(),
        401
    );
    let harbor = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks/quill/harbor"))
        .header("quill-delivery", "d1")
        .header("quill-timestamp", now.to_string())
        .header("quill-signature", signed(&secret, now, &body))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(harbor.status(), 401);
    let junk = "{\"meeting\": 3}".to_string();
    assert_eq!(
        post(now, signed(&secret, now, &junk), "d0", junk)
            .await
            .unwrap()
            .status(),
        422
    );
    let tasks_after: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&d.t.owner)
        .await
        .unwrap();
    assert_eq!(tasks_after, tasks_before);

    // Accepted once; the replay is acknowledged and queues nothing.
    assert_eq!(
        post(now, signed(&secret, now, &body), "d1", body.clone())
            .await
            .unwrap()
            .status(),
        202
    );
    let replay = post(now, signed(&secret, now, &body), "d1", body.clone())
        .await
        .unwrap();
    assert_eq!(replay.status(), 200);
    let engine = d.engine(Arlo::default());
    let ran = engine.run_one().await.unwrap().unwrap();
    let Outcome::Succeeded(result) = ran.outcome else {
        panic!("{ran:?}")
    };
    assert!(engine.run_one().await.unwrap().is_none(), "one task");
    assert_eq!(result["unmatched_attendees"], 1);
    assert_eq!(result["linked"].as_array().unwrap().len(), 2, "{result}");
    let notes: Vec<String> =
        sqlx::query_scalar("SELECT body_v2_markdown FROM notes WHERE title = 'Budget review'")
            .fetch_all(&d.t.owner)
            .await
            .unwrap();
    assert_eq!(notes.len(), 2);
    assert!(
        notes[0].contains("- Send the revised proposal"),
        "{}",
        notes[0]
    );
    // The date is a suggestion for the founder, never a write.
    let suggested: Vec<(String, Value)> = sqlx::query_as("SELECT field, proposed FROM suggestions")
        .fetch_all(&d.t.owner)
        .await
        .unwrap();
    assert_eq!(suggested.len(), 1);
    assert_eq!(suggested[0].0, "recontact_at");
    assert!(suggested[0].1.as_str().unwrap().contains("-03-01T"));
}

#[tokio::test]
async fn rotating_the_secret_key_reseals_every_credential() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let (old, new) = (SecretBox::generate_key(), SecretBox::generate_key());
    let store = SecretBox::new(&old, &[]).unwrap();
    let mut tx = t.tx(a, human).await;
    let s = sources::create(&mut tx, SourceKind::Quill, "Quill", &json!({}))
        .await
        .unwrap();
    sources::set_secret(&mut tx, &store, s.id, "webhook-secret")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The credential is not in the database in the clear, nor in the view.
    let raw: Vec<u8> = sqlx::query_scalar("SELECT secret FROM ingest_sources")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("webhook-secret"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redkey"))
        .args(["secrets", "rotate"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", t.url())
        .env("REDKEY_SECRET_KEY", &new)
        .env("REDKEY_SECRET_KEYS_OLD", &old)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 credential(s) re-sealed"));
    // Only the new key is needed now.
    let only_new = SecretBox::new(&new, &[]).unwrap();
    let mut tx = t.tx(a, Actor::Agent).await;
    assert_eq!(
        sources::secret(&mut tx, &only_new, s.id)
            .await
            .unwrap()
            .as_deref(),
        Some("webhook-secret")
    );
}

#[tokio::test]
async fn the_model_key_can_live_in_the_secret_store_and_rotates_with_it() {
    use std::io::Write;
    let t = TestDb::new().await;
    let (old, new) = (SecretBox::generate_key(), SecretBox::generate_key());
    let run = |args: &[&str], key: &str, old_keys: &str, stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_redkey"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", t.url())
            .env("REDKEY_SECRET_KEY", key)
            .env("REDKEY_SECRET_KEYS_OLD", old_keys)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    run(
        &["secrets", "put", "anthropic"],
        &old,
        "",
        "sk-ant-stored-key\n",
    );
    let raw: Vec<u8> = sqlx::query_scalar("SELECT sealed FROM product_secrets")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("sk-ant-stored-key"));
    let with_old = SecretBox::new(&old, &[]).unwrap();
    assert_eq!(
        redkey_data::secrets::product(&t.owner, &with_old, "anthropic_api_key")
            .await
            .unwrap()
            .as_deref(),
        Some("sk-ant-stored-key")
    );
    assert!(run(&["secrets", "rotate"], &new, &old, "").contains("1 credential(s) re-sealed"));
    let only_new = SecretBox::new(&new, &[]).unwrap();
    assert_eq!(
        redkey_data::secrets::product(&t.owner, &only_new, "anthropic_api_key")
            .await
            .unwrap()
            .as_deref(),
        Some("sk-ant-stored-key")
    );
}

#[tokio::test]
async fn sources_in_the_config_file_are_applied_at_start_up_with_their_secret_sealed() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let key = SecretBox::generate_key();
    let dir = std::env::temp_dir().join(format!("redkey-config-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("redkey.toml");
    std::fs::write(
        &config,
        "[[sources]]\nclient = \"alpha\"\nkind = \"quill\"\nname = \"Quill\"\nsecret = \"from-the-config-file\"\n\n\
         [[sources]]\nclient = \"alpha\"\nkind = \"imap\"\nname = \"Founder's mail\"\nsecret = \"imap-password\"\n\
         settings = { host = \"imap.alpha.test\", port = 993, username = \"justin\", address = \"justin@alpha.test\" }\n",
    )
    .unwrap();
    let config_path = config.display().to_string();
    let env = [
        ("REDKEY_CONFIG", config_path.as_str()),
        ("REDKEY_SECRET_KEY", key.as_str()),
    ];
    for _ in 0..2 {
        // Applied twice (two starts): still one source each.
        let server = crate::helpers::server_process::start_server(&t, "config", &env);
        let ready = format!("http://127.0.0.1:{}/readyz", server.port);
        for _ in 0..200 {
            if reqwest::get(&ready)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        drop(server);
    }
    let store = SecretBox::new(&key, &[]).unwrap();
    let mut tx = t.tx(a, Actor::Agent).await;
    let all = sources::list(&mut tx).await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let imap = all.iter().find(|s| s.kind == SourceKind::Imap).unwrap();
    assert_eq!(imap.settings["host"], "imap.alpha.test");
    assert_eq!(
        sources::secret(&mut tx, &store, imap.id)
            .await
            .unwrap()
            .as_deref(),
        Some("imap-password")
    );
    std::fs::remove_dir_all(dir).unwrap();
}
