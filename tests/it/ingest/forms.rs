//! Website forms over HTTP: every refusal stores nothing; the happy
//! paths create or update the contact, keep the submission and enrol.

use std::net::SocketAddr;

use redkey_data::{records, sources, Actor, ClientId};
use redkey_testkit::TestDb;
use redkey_types::{Contact, FormSettings, SourceKind};
use reqwest::StatusCode;
use serde_json::{json, Value};

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
