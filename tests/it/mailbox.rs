//! Mailbox sync against a real Dovecot: the first sync takes the window,
//! later ones only new UIDs, a new UIDVALIDITY stores nothing twice;
//! two-way correspondents become contacts (one-way mail and lists never),
//! mail goes on their timelines, threads are counted, a reply stops the
//! sequence once, and bodies are shown only to the mailbox's owner.

use chrono::{Duration, Utc};
use redkey::mailbox::{sync_mailbox, Synced};
use redkey_data::{
    activities, contacts, records, secrets::SecretBox, sequences, sources, Actor, ClientId,
};
use redkey_testkit::TestDb;
use redkey_types::{Contact, EmailAddress, EnrollmentStatus, IngestSource, SourceKind, Step};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::dovecot::Dovecot;

struct Box_ {
    t: TestDb,
    client: ClientId,
    owner: Uuid,
    store: SecretBox,
    source: IngestSource,
    imap: Dovecot,
}

fn day(days_ago: i64) -> String {
    (Utc::now() - Duration::days(days_ago))
        .format("%d-%b-%Y %H:%M:%S +0000")
        .to_string()
}

fn mail(id: &str, from: &str, to: &str, subject: &str, extra: &str, body: &str) -> String {
    let date = Utc::now().to_rfc2822();
    // Extra headers, if any, then the blank line that ends the headers.
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("{extra}\n")
    };
    format!("Message-ID: <{id}>\nFrom: {from}\nTo: {to}\nSubject: {subject}\nDate: {date}\n{extra}\n{body}\n")
}

async fn mailbox() -> Box_ {
    let t = TestDb::new().await;
    let (client, _, _) = t.two_clients().await;
    let owner = t.user("justin@alpha.test", &["alpha"]).await;
    let imap = Dovecot::start().await;
    let store = SecretBox::new(&SecretBox::generate_key(), &[]).unwrap();
    let settings = json!({
        "host": "127.0.0.1", "port": imap.port, "security": "plain", "username": "test",
        "address": "justin@alpha.test", "window_days": 30,
    });
    let mut tx = t.tx(client, Actor::User(owner)).await;
    let source = sources::create_owned(
        &mut tx,
        SourceKind::Imap,
        "Justin's mail",
        &settings,
        Some(owner),
    )
    .await
    .unwrap();
    sources::set_secret(&mut tx, &store, source.id, "secret")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Box_ {
        t,
        client,
        owner,
        store,
        source,
        imap,
    }
}

impl Box_ {
    /// A contact with `email`, enrolled in a one-step sequence; the
    /// contact and the enrollment.
    async fn enrolled(&self, first: &str, email: &str) -> (Contact, redkey_types::Enrollment) {
        let mut tx = self.t.tx(self.client, Actor::User(self.owner)).await;
        let contact: Contact = records::create(
            &mut tx,
            vec![
                redkey_data::contacts::ContactField::FirstName(first.into()),
                redkey_data::contacts::ContactField::Email(Some(
                    EmailAddress::parse(email).unwrap(),
                )),
            ],
        )
        .await
        .unwrap();
        let step = Step {
            delay_days: 0,
            business_days: false,
            subject: "Hi".into(),
            body: "Hi".into(),
            intent: None,
        };
        let seq = sequences::create(
            &mut tx,
            &sequences::SequenceInput {
                name: format!("Intro {first}"),
                steps: vec![step],
                window_start: chrono::NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
                window_end: chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
                weekdays: vec![1, 2, 3, 4, 5, 6, 7],
                time_zone: "UTC".into(),
                personalised: false,
            },
        )
        .await
        .unwrap();
        let e = sequences::enroll(&mut tx, seq.id, contact.id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (contact, e)
    }

    async fn sync(&self) -> Synced {
        sync_mailbox(&self.t.db, &self.store, self.client, &self.source)
            .await
            .unwrap()
    }

    async fn contact(&self, email: &str) -> Option<Contact> {
        let mut tx = self.t.tx(self.client, Actor::Agent).await;
        contacts::by_email(&mut tx, &EmailAddress::parse(email).unwrap())
            .await
            .unwrap()
    }

    async fn kinds_for(&self, contact: Uuid) -> Vec<String> {
        let mut tx = self.t.tx(self.client, Actor::Agent).await;
        let mut k: Vec<String> = activities::of_contact(&mut tx, contact)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.kind)
            .collect();
        k.sort();
        k
    }
}

#[tokio::test]
async fn a_mailbox_syncs_a_window_then_new_mail_and_makes_contacts_of_two_way_correspondents() {
    let b = mailbox().await;
    let ada = "Ada Lovelace <ada@lovelace.test>";
    b.imap
        .append(
            "INBOX",
            &mail(
                "a1@lovelace.test",
                ada,
                "justin@alpha.test",
                "Pricing",
                "",
                "What would it cost?",
            ),
            &day(2),
        )
        .await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "n1@news.test",
                "news@news.test",
                "justin@alpha.test",
                "Weekly",
                "List-Id: <weekly.news.test>",
                "News",
            ),
            &day(1),
        )
        .await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "old@bob.test",
                "bob@bob.test",
                "justin@alpha.test",
                "Long ago",
                "",
                "Hi",
            ),
            &day(200),
        )
        .await;
    b.imap
        .append(
            "Sent",
            &mail(
                "j1@alpha.test",
                "justin@alpha.test",
                "ada@lovelace.test",
                "Re: Pricing",
                "In-Reply-To: <a1@lovelace.test>",
                "Here it is.",
            ),
            &day(1),
        )
        .await;
    b.imap
        .append(
            "Sent",
            &mail(
                "j2@alpha.test",
                "justin@alpha.test",
                "carol@gmail.com",
                "Hello",
                "",
                "Hi Carol",
            ),
            &day(1),
        )
        .await;
    b.imap
        .append(
            "Sent",
            &mail(
                "j3@alpha.test",
                "justin@alpha.test",
                "news@news.test",
                "Unsubscribe",
                "",
                "stop",
            ),
            &day(1),
        )
        .await;

    let first = b.sync().await;
    assert_eq!((first.stored, first.discovered), (5, 1), "{first:?}");
    // Ada wrote and was written to: a contact, with her company by domain.
    let ada_c = b.contact("ada@lovelace.test").await.expect("discovered");
    assert_eq!(
        (ada_c.first_name.as_str(), ada_c.last_name.as_str()),
        ("Ada", "Lovelace")
    );
    assert_eq!(ada_c.created_by_source, redkey_types::Source::Email);
    let mut tx = b.t.tx(b.client, Actor::Agent).await;
    let company: redkey_types::Company = records::get(&mut tx, ada_c.company_id.unwrap())
        .await
        .unwrap();
    drop(tx);
    assert_eq!(company.domain.as_deref(), Some("lovelace.test"));
    assert_eq!(
        b.kinds_for(ada_c.id).await,
        ["email_received", "email_sent"]
    );
    assert_eq!(ada_c.email_thread_count, 1);
    // One-way mail, a list and mail outside the window make nobody.
    assert!(b.contact("carol@gmail.com").await.is_none());
    assert!(b.contact("news@news.test").await.is_none());
    assert!(b.contact("bob@bob.test").await.is_none());

    // Only new mail next time; a reply in the same thread.
    b.imap
        .append(
            "INBOX",
            &mail(
                "a2@lovelace.test",
                ada,
                "justin@alpha.test",
                "Re: Pricing",
                "References: <a1@lovelace.test> <j1@alpha.test>",
                "Thanks!",
            ),
            &day(0),
        )
        .await;
    let second = b.sync().await;
    assert_eq!((second.stored, second.already_had), (1, 0), "{second:?}");
    let ada_c = b.contact("ada@lovelace.test").await.unwrap();
    assert_eq!(b.kinds_for(ada_c.id).await.len(), 3);
    assert_eq!(ada_c.email_thread_count, 1);

    // A folder re-created has a new UIDVALIDITY: read again, stored once.
    b.imap.delete("Sent").await;
    b.imap
        .append(
            "Sent",
            &mail(
                "j1@alpha.test",
                "justin@alpha.test",
                "ada@lovelace.test",
                "Re: Pricing",
                "In-Reply-To: <a1@lovelace.test>",
                "Here it is.",
            ),
            &day(1),
        )
        .await;
    let third = b.sync().await;
    assert_eq!((third.stored, third.already_had), (0, 1), "{third:?}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM email_messages")
        .fetch_one(&b.t.owner)
        .await
        .unwrap();
    assert_eq!(stored, 6);
}

#[tokio::test]
async fn a_reply_in_the_mailbox_stops_the_sequence_once_and_bodies_stay_the_owners() {
    let b = mailbox().await;
    let (grace, e) = b.enrolled("Grace", "grace@hopper.test").await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "g1@hopper.test",
                "grace@hopper.test",
                "justin@alpha.test",
                "Re: Hi",
                "",
                "Let's talk. Not before Q3.",
            ),
            &day(0),
        )
        .await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "g0@hopper.test",
                "grace@hopper.test",
                "justin@alpha.test",
                "Out of office",
                "Auto-Submitted: auto-replied",
                "Away",
            ),
            &day(0),
        )
        .await;
    b.sync().await;
    b.sync().await;
    let mut tx = b.t.tx(b.client, Actor::Agent).await;
    assert_eq!(
        sequences::enrollment(&mut tx, e.id).await.unwrap().status,
        EnrollmentStatus::Replied
    );
    drop(tx);
    let kinds = b.kinds_for(grace.id).await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "email_replied").count(),
        1,
        "{kinds:?}"
    );
    // The body: the owner reads it, a colleague and arlo do not.
    let body = |actor| {
        let t = &b.t;
        let client = b.client;
        async move {
            let mut tx = t.tx(client, actor).await;
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT body_text FROM crm_email_messages WHERE message_id = 'g1@hopper.test'",
            )
            .fetch_one(tx.conn())
            .await
            .unwrap()
        }
    };
    assert_eq!(
        body(Actor::User(b.owner)).await.as_deref(),
        Some("Let's talk. Not before Q3.")
    );
    let colleague = b.t.user("colleague@alpha.test", &["alpha"]).await;
    assert_eq!(body(Actor::User(colleague)).await, None);
    assert_eq!(body(Actor::Agent).await, None);
}

#[tokio::test]
async fn a_sync_cut_off_mid_way_resumes_without_loss_or_duplicates() {
    let mut b = mailbox().await;
    for i in 0..60 {
        let m = mail(
            &format!("bulk{i}@lovelace.test"),
            "ada@lovelace.test",
            "justin@alpha.test",
            &format!("Note {i}"),
            "",
            "Hello",
        );
        b.imap.append("INBOX", &m, &day(1)).await;
    }
    // Cut the server off once the first batch's position is committed.
    let (db, store, client, source) = (b.t.db.clone(), b.store.clone(), b.client, b.source.clone());
    let running = tokio::spawn(async move { sync_mailbox(&db, &store, client, &source).await });
    for _ in 0..400 {
        let at: Option<i64> = sqlx::query_scalar("SELECT max(last_uid) FROM mailbox_folders")
            .fetch_one(&b.t.owner)
            .await
            .unwrap();
        if at.unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    b.imap.kill();
    let cut = running.await.unwrap();
    let stored_then: i64 = sqlx::query_scalar("SELECT count(*) FROM email_messages")
        .fetch_one(&b.t.owner)
        .await
        .unwrap();
    assert!(cut.is_err() || stored_then == 60, "{cut:?}");
    b.imap.restart().await;
    b.sync().await;
    b.sync().await;
    let (all, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT message_id) FROM email_messages")
            .fetch_one(&b.t.owner)
            .await
            .unwrap();
    assert_eq!((all, distinct), (60, 60));
}

#[tokio::test]
async fn a_mailbox_over_tls_trusts_only_what_it_should() {
    let b = mailbox().await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "t1@lovelace.test",
                "ada@lovelace.test",
                "justin@alpha.test",
                "Over TLS",
                "",
                "Hi",
            ),
            &day(0),
        )
        .await;
    let over_tls = |ca: Option<&str>, security: &str| {
        let mut s = b.source.clone();
        s.settings = json!({
            "host": "127.0.0.1", "port": b.imap.tls_port, "security": security, "username": "test",
            "address": "justin@alpha.test", "ca_pem": ca,
        });
        s
    };
    // Its certificate trusted: synced.
    let trusted = over_tls(Some(&b.imap.cert), "tls");
    let done = sync_mailbox(&b.t.db, &b.store, b.client, &trusted)
        .await
        .unwrap();
    assert_eq!(done.stored, 1);
    // A certificate nobody vouches for: refused, nothing read.
    let unknown = over_tls(None, "tls");
    let err = sync_mailbox(&b.t.db, &b.store, b.client, &unknown)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("TLS"), "{err}");
    // Plain IMAP to anything but this machine is refused before connecting.
    let mut far = b.source.clone();
    far.settings = json!({ "host": "imap.example.com", "port": 143, "security": "plain",
                           "username": "test", "address": "justin@alpha.test" });
    let err = sync_mailbox(&b.t.db, &b.store, b.client, &far)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("only for a server on this machine"),
        "{err}"
    );
}

/// A fake OAuth provider: a token endpoint that rotates refresh tokens
/// (r1 → r2 → r3...) and an introspection endpoint Dovecot asks.
async fn fake_oauth() -> String {
    use axum::{routing::post, Form, Json, Router};
    use std::collections::HashMap;
    let app = Router::new()
        .route(
            "/token",
            post(|Form(f): Form<HashMap<String, String>>| async move {
                let ok = f.get("grant_type").map(String::as_str) == Some("refresh_token")
                    && f.get("client_id").map(String::as_str) == Some("redkey-test")
                    && f.get("client_secret").map(String::as_str) == Some("client-secret");
                let n: u32 = f
                    .get("refresh_token")
                    .and_then(|t| t.strip_prefix('r'))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                if !ok || n == 0 || n > 5 {
                    return (
                        axum::http::StatusCode::BAD_REQUEST,
                        Json(json!({"error": "invalid_grant"})),
                    );
                }
                (
                    axum::http::StatusCode::OK,
                    Json(json!({
                        "access_token": format!("access-{n}"), "token_type": "Bearer",
                        "expires_in": 3600, "refresh_token": format!("r{}", n + 1),
                    })),
                )
            }),
        )
        .route(
            "/introspect",
            post(|Form(f): Form<HashMap<String, String>>| async move {
                let active = f.get("token").is_some_and(|t| t.starts_with("access-"));
                Json(json!({ "active": active, "username": "test" }))
            }),
        );
    crate::helpers::listen(app).await
}

#[tokio::test]
async fn an_oauth_mailbox_refreshes_its_token_rotates_it_and_fails_clearly_when_revoked() {
    let oauth = fake_oauth().await;
    let t = TestDb::new().await;
    let (client, _, human) = t.two_clients().await;
    let imap = Dovecot::start_with(Some(&format!("{oauth}/introspect"))).await;
    imap.append(
        "INBOX",
        &mail(
            "o1@lovelace.test",
            "ada@lovelace.test",
            "justin@alpha.test",
            "Hi",
            "",
            "Hello",
        ),
        &day(0),
    )
    .await;
    let store = SecretBox::new(&SecretBox::generate_key(), &[]).unwrap();
    let settings = json!({
        "host": "127.0.0.1", "port": imap.port, "security": "plain", "username": "test",
        "address": "justin@alpha.test", "auth": "xoauth2",
        "token_url": format!("{oauth}/token"), "client_id": "redkey-test",
    });
    let mut tx = t.tx(client, human).await;
    let source = sources::create(&mut tx, SourceKind::Imap, "Gmail", &settings)
        .await
        .unwrap();
    let cred = json!({ "refresh_token": "r1", "client_secret": "client-secret" }).to_string();
    sources::set_secret(&mut tx, &store, source.id, &cred)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let done = sync_mailbox(&t.db, &store, client, &source).await.unwrap();
    assert_eq!(done.stored, 1);
    // The provider rotated the refresh token: the new one is kept, sealed.
    let mut tx = t.tx(client, Actor::Agent).await;
    let kept = sources::secret(&mut tx, &store, source.id)
        .await
        .unwrap()
        .unwrap();
    drop(tx);
    assert!(kept.contains("\"r2\""), "{kept}");
    assert!(sync_mailbox(&t.db, &store, client, &source).await.is_ok());

    // Revoked (the fake refuses past r5): a clear error, nothing stored.
    let mut tx = t.tx(client, Actor::Agent).await;
    let revoked = json!({ "refresh_token": "r9", "client_secret": "client-secret" }).to_string();
    sources::set_secret(&mut tx, &store, source.id, &revoked)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let err = sync_mailbox(&t.db, &store, client, &source)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("reconnect the mailbox"), "{err}");
}

#[tokio::test]
async fn an_out_of_office_in_the_mailbox_holds_the_sequence_until_the_person_is_back() {
    let b = mailbox().await;
    let (_, e) = b.enrolled("Lin", "lin@far.test").await;
    let back = (Utc::now() + Duration::days(20)).date_naive();
    let away = format!("I am out of the office until {}.", back.format("%Y-%m-%d"));
    let ooo = mail(
        "lin0@far.test",
        "lin@far.test",
        "justin@alpha.test",
        "Out of office",
        "Auto-Submitted: auto-replied",
        &away,
    );
    b.imap.append("INBOX", &ooo, &day(0)).await;
    b.sync().await;
    let mut tx = b.t.tx(b.client, Actor::Agent).await;
    let after = sequences::enrollment(&mut tx, e.id).await.unwrap();
    assert_eq!(
        after.status,
        EnrollmentStatus::Active,
        "an automatic answer is not a reply"
    );
    assert!(
        after.next_due_at.is_some_and(|d| d.date_naive() > back),
        "{:?}",
        after.next_due_at
    );
}

#[tokio::test]
async fn a_bounce_report_in_the_mailbox_suppresses_the_address_and_stops_its_sequence() {
    let b = mailbox().await;
    let (_, e) = b.enrolled("Ada", "ada@lovelace.test").await;
    let dsn = "Message-ID: <dsn1@mx.alpha.test>\nFrom: MAILER-DAEMON@mx.alpha.test\nTo: justin@alpha.test\n\
Subject: Undelivered Mail Returned to Sender\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\nThis is the mail system: your message could not be delivered.\n\
--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.alpha.test\n\nFinal-Recipient: rfc822; ada@lovelace.test\nAction: failed\nStatus: 5.1.1\n--b--\n";
    b.imap.append("INBOX", dsn, &day(0)).await;
    b.sync().await;
    let mut tx = b.t.tx(b.client, Actor::Agent).await;
    let ada = EmailAddress::parse("ada@lovelace.test").unwrap();
    assert_eq!(
        redkey_data::suppressions::suppression(&mut tx, &ada)
            .await
            .unwrap(),
        Some(redkey_types::SuppressionReason::Bounced)
    );
    assert_eq!(
        sequences::enrollment(&mut tx, e.id).await.unwrap().status,
        EnrollmentStatus::Stopped
    );
    // The mail system is nobody's contact.
    assert!(b.contact("mailer-daemon@mx.alpha.test").await.is_none());
}

#[tokio::test]
async fn a_person_connects_a_mailbox_with_oauth_consent() {
    use axum::{routing::post, Form, Json, Router};
    use std::collections::HashMap;
    // The provider's token endpoint: one good code.
    let provider = crate::helpers::listen(Router::new().route(
        "/token",
        post(|Form(f): Form<HashMap<String, String>>| async move {
            let good = f.get("grant_type").map(String::as_str) == Some("authorization_code")
                && f.get("code").map(String::as_str) == Some("good-code")
                && f.get("client_secret").map(String::as_str) == Some("provider-secret")
                && f.get("redirect_uri")
                    .is_some_and(|u| u.ends_with("/oauth/mail/callback"));
            if good {
                (
                    axum::http::StatusCode::OK,
                    Json(json!({ "access_token": "a", "refresh_token": "refresh-1" })),
                )
            } else {
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    Json(json!({ "error": "invalid_grant" })),
                )
            }
        }),
    ))
    .await;
    let t = TestDb::new().await;
    let (client, _, _) = t.two_clients().await;
    t.user("justin@alpha.test", &["alpha"]).await;
    let key = SecretBox::generate_key();
    let providers = json!([{
        "name": "fakemail", "auth_url": format!("{provider}/authorize"), "token_url": format!("{provider}/token"),
        "client_id": "redkey-client", "client_secret": "provider-secret",
        "scope": "https://mail.google.com/", "imap_host": "imap.fakemail.test",
    }])
    .to_string();
    let settings = redkey::config::Settings::from_pairs(&[
        ("REDKEY_SECRET_KEY", key.as_str()),
        ("REDKEY_MAIL_OAUTH", providers.as_str()),
    ])
    .unwrap();
    let addr = crate::helpers::spawn_app(&t, &settings).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed = http
        .post(format!("http://{addr}/api/sign_in"))
        .header("origin", format!("http://{addr}"))
        .form(&[
            ("email", "justin@alpha.test"),
            ("password", "a long test password"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("redkey_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("signed in");
    let get = |path: String| {
        http.get(format!("http://{addr}{path}"))
            .header("cookie", &cookie)
            .send()
    };
    let start = get("/oauth/mail/fakemail/start?address=justin%40alpha.test".into())
        .await
        .unwrap();
    assert_eq!(start.status().as_u16(), 303);
    let to = reqwest::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    assert!(to.as_str().starts_with(&format!("{provider}/authorize")));
    let q: HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert_eq!(
        (q["client_id"].as_str(), q["login_hint"].as_str()),
        ("redkey-client", "justin@alpha.test")
    );
    // A forged state is refused and connects nothing.
    let forged = get("/oauth/mail/callback?code=good-code&state=forged".into())
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 400);
    // The state was spent by the refusal: consent again, then come back.
    let start = get("/oauth/mail/fakemail/start?address=justin%40alpha.test".into())
        .await
        .unwrap();
    let to = reqwest::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let state = to
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let back = get(format!("/oauth/mail/callback?code=good-code&state={state}"))
        .await
        .unwrap();
    assert_eq!(back.status().as_u16(), 303, "{:?}", back.text().await);
    let store = SecretBox::new(&key, &[]).unwrap();
    let mut tx = t.tx(client, Actor::Agent).await;
    let boxes = sources::of_kind(&mut tx, SourceKind::Imap).await.unwrap();
    assert_eq!(boxes.len(), 1);
    assert_eq!(
        (
            boxes[0].settings["auth"].as_str(),
            boxes[0].settings["host"].as_str()
        ),
        (Some("xoauth2"), Some("imap.fakemail.test"))
    );
    let sealed = sources::secret(&mut tx, &store, boxes[0].id)
        .await
        .unwrap()
        .unwrap();
    assert!(sealed.contains("refresh-1"));
}
