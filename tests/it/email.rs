//! Sequences end to end against a fake Resend: delays and windows over
//! simulated time, refusals, unsubscribe, webhooks (signatures, replays,
//! bounces, complaints, replies) and 429 storms.

use std::{net::SocketAddr, sync::Arc};

use crate::helpers::fake_resend::FakeResend;
use chrono::{DateTime, NaiveTime, Utc};
use redkey::{
    config::Settings,
    email::{sequence::run_due, svix, EmailService},
};
use redkey_data::records;
use redkey_data::{
    activities,
    contacts::ContactField,
    outbox,
    sequences::{self, SequenceInput},
    suppressions, Actor, ClientId, DbError,
};
use redkey_testkit::TestDb;
use redkey_types::Contact;
use redkey_types::{EmailAddress, EnrollmentStatus as Status, Step, StopReason, SuppressionReason};
use serde_json::{json, Value};
use uuid::Uuid;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

struct World {
    t: TestDb,
    a: ClientId,
    b: ClientId,
    human: Actor,
    fake: FakeResend,
    email: Arc<EmailService>,
    settings: Settings,
}

async fn world() -> World {
    world_with(json!({})).await
}

/// A world whose Resend account has `extra` fields set.
async fn world_with(extra: Value) -> World {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let (url, fake) = FakeResend::start().await;
    let mut account = json!({
        "client": "alpha", "api_key": "re_test", "from": "Justin Founder <justin@alpha.test>",
        "webhook_secret": SECRET, "reply_domain": "in.alpha.test", "daily_cap": 100
    });
    for (k, v) in extra.as_object().unwrap() {
        account[k] = v.clone();
    }
    let accounts = json!([account]).to_string();
    let settings = Settings::from_pairs(&[
        ("REDKEY_EMAIL", &accounts),
        ("RESEND_BASE_URL", &url),
        ("REDKEY_EMAIL_RATE", "200"),
        ("REDKEY_PUBLIC_URL", "https://crm.alpha.test"),
    ])
    .unwrap();
    let email = Arc::new(
        EmailService::new(settings.email.clone(), "https://crm.alpha.test".into()).unwrap(),
    );
    World {
        t,
        a,
        b,
        human,
        fake,
        email,
        settings,
    }
}

impl World {
    async fn contact(&self, first: &str, email: Option<&str>) -> Uuid {
        let mut tx = self.t.tx(self.a, self.human).await;
        let c = records::create(
            &mut tx,
            vec![
                ContactField::FirstName(first.into()),
                ContactField::LastName("Lovelace".into()),
                ContactField::Email(email.map(|e| EmailAddress::parse(e).unwrap())),
            ],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        c.id
    }

    async fn sequence(&self, steps: Vec<Step>) -> Uuid {
        let mut tx = self.t.tx(self.a, self.human).await;
        let s = sequences::create(
            &mut tx,
            &SequenceInput {
                name: format!("Seq {}", Uuid::new_v4().simple()),
                steps,
                window_start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                window_end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
                weekdays: vec![1, 2, 3, 4, 5],
                time_zone: "UTC".into(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        s.id
    }

    async fn enroll(&self, seq: Uuid, contact: Uuid) -> Result<Uuid, DbError> {
        let mut tx = self.t.tx(self.a, self.human).await;
        let e = sequences::enroll(&mut tx, seq, contact).await?;
        tx.commit().await.unwrap();
        Ok(e.id)
    }

    async fn run(&self, now: &str) -> redkey::email::sequence::Report {
        run_due(&self.email, &self.t.db, self.a, at(now))
            .await
            .unwrap()
    }

    async fn enrollment(&self, id: Uuid) -> redkey_types::Enrollment {
        let mut tx = self.t.tx(self.a, Actor::Agent).await;
        sequences::enrollment(&mut tx, id).await.unwrap()
    }

    /// Serves the app, enrolls Ada in a two-step sequence and sends step one
    /// (Monday 2027-01-04 10:00): the start of several tests.
    async fn first_step_sent_to_ada(&self) -> (SocketAddr, Uuid, Uuid) {
        let addr = self.serve().await;
        let ada = self.contact("Ada", Some("ada@lovelace.test")).await;
        let seq = self
            .sequence(vec![step(0, false, "One"), step(1, false, "Two")])
            .await;
        let e = self.enroll(seq, ada).await.unwrap();
        assert_eq!(self.run("2027-01-04T10:00:00Z").await.sent, 1);
        (addr, ada, e)
    }

    async fn serve(&self) -> SocketAddr {
        crate::helpers::spawn_app(&self.t, &self.settings).await
    }
}

fn step(days: i32, business: bool, subject: &str) -> Step {
    Step {
        delay_days: days,
        business_days: business,
        subject: subject.into(),
        body: "Hi {{first_name}}, this is {{sender_name}}.".into(),
    }
}

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
    let acts = activities::of_contact(&mut tx, ada).await.unwrap();
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

fn signed(body: &Value, id: &str, ts: i64) -> (String, Vec<(&'static str, String)>) {
    let text = body.to_string();
    let sig = svix::sign(SECRET, id, ts, text.as_bytes());
    (
        text,
        vec![
            ("svix-id", id.to_string()),
            ("svix-timestamp", ts.to_string()),
            ("svix-signature", sig),
        ],
    )
}

async fn post_event(
    addr: SocketAddr,
    body: &str,
    headers: &[(&'static str, String)],
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks/resend/alpha"))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn events(w: &World) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM email_events")
        .fetch_one(&w.t.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn webhooks_verify_record_once_and_apply_events() {
    let w = world().await;
    let (addr, ada, e) = w.first_step_sent_to_ada().await;
    let provider_id: String = sqlx::query_scalar("SELECT provider_id FROM email_sends")
        .fetch_one(&w.t.owner)
        .await
        .unwrap();
    let now = Utc::now().timestamp();
    let opened = json!({
        "type": "email.opened", "created_at": "2027-01-04T10:05:00Z",
        "data": { "email_id": provider_id, "to": ["ada@lovelace.test"], "subject": "One" }
    });

    // Forged, missing and stale signatures: 401, nothing stored.
    let (text, mut headers) = signed(&opened, "msg_1", now);
    headers[2].1 = "v1,AAAA".into();
    assert_eq!(post_event(addr, &text, &headers).await.0, 401);
    assert_eq!(post_event(addr, &text, &[]).await.0, 401);
    let (text, headers) = signed(&opened, "msg_1", now - 301);
    assert_eq!(post_event(addr, &text, &headers).await.0, 401);
    assert_eq!(events(&w).await, 0);

    // Valid: applied once; a replay answers 200 and changes nothing.
    let (text, headers) = signed(&opened, "msg_1", now);
    let (status, body) = post_event(addr, &text, &headers).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("recorded")));
    let (status, body) = post_event(addr, &text, &headers).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    assert_eq!(
        records::get::<Contact>(&mut tx, ada)
            .await
            .unwrap()
            .open_count,
        1
    );
    drop(tx);

    // An event about one of our sends that we have not recorded yet (the
    // webhook outran our commit) is refused for a retry, and not stored.
    let early = json!({
        "type": "email.delivered", "created_at": "2027-01-04T10:05:00Z",
        "data": { "email_id": "not-recorded-yet", "to": ["ada@lovelace.test"],
                  "tags": { "enrollment": e.simple().to_string(), "step": "1" } }
    });
    let (text, headers) = signed(&early, "msg_early", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 503);
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM email_events WHERE svix_id = 'msg_early'")
            .fetch_one(&w.t.owner)
            .await
            .unwrap();
    assert_eq!(stored, 0);

    // Unknown types are accepted and ignored; malformed bodies are 400.
    let (text, headers) = signed(
        &json!({ "type": "email.teleported", "data": {} }),
        "msg_2",
        now,
    );
    let (status, body) = post_event(addr, &text, &headers).await;
    assert_eq!((status, body["effect"].as_str()), (200, Some("ignored")));
    let (text, headers) = signed(&json!([1, 2]), "msg_3", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 400);

    // A permanent bounce: undeliverable, enrollment paused, no next step.
    let bounced = json!({
        "type": "email.bounced", "created_at": "2027-01-04T10:06:00Z",
        "data": { "email_id": provider_id, "to": ["ada@lovelace.test"],
                  "bounce": { "type": "Permanent", "subType": "General", "message": "no such user" } }
    });
    let (text, headers) = signed(&bounced, "msg_4", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 200);
    let paused = w.enrollment(e).await;
    assert_eq!(
        (paused.status, paused.stop_reason),
        (Status::Paused, Some(StopReason::Bounced))
    );
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    assert_eq!(
        suppressions::suppression(&mut tx, &EmailAddress::parse("ada@lovelace.test").unwrap())
            .await
            .unwrap(),
        Some(SuppressionReason::Bounced)
    );
    drop(tx);
    assert_eq!(w.run("2027-01-05T10:00:00Z").await.sent, 0);
    assert_eq!(w.fake.delivered().len(), 1);
}

#[tokio::test]
async fn a_complaint_unsubscribes_and_a_reply_stops_the_sequence() {
    let w = world().await;
    let addr = w.serve().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let bob = w.contact("Bob", Some("bob@lovelace.test")).await;
    let seq = w
        .sequence(vec![step(0, false, "One"), step(1, false, "Two")])
        .await;
    let ea = w.enroll(seq, ada).await.unwrap();
    let eb = w.enroll(seq, bob).await.unwrap();
    assert_eq!(w.run("2027-01-04T10:00:00Z").await.sent, 2);
    let now = Utc::now().timestamp();

    let token = w.enrollment(ea).await.reply_token;
    let reply = json!({
        "type": "email.received", "created_at": "2027-01-04T11:00:00Z",
        "data": { "email_id": "in_1", "from": "ada@lovelace.test",
                  "to": [format!("reply+{token}@in.alpha.test")], "subject": "Re: One",
                  "message_id": "<r1@lovelace.test>" }
    });
    let (text, headers) = signed(&reply, "msg_r1", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 200);
    let replied = w.enrollment(ea).await;
    assert_eq!(replied.status, Status::Replied);
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let acts = activities::of_contact(&mut tx, ada).await.unwrap();
    assert!(acts.iter().any(|a| a.kind == "email_replied"));
    drop(tx);

    // Unmatched inbound mail is kept.
    let stray = json!({
        "type": "email.received", "created_at": "2027-01-04T11:00:00Z",
        "data": { "email_id": "in_2", "from": "someone@else.test", "to": ["hello@in.alpha.test"],
                  "subject": "Question" }
    });
    let (text, headers) = signed(&stray, "msg_r2", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 200);
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM inbound_emails WHERE enrollment_id IS NULL AND from_email = 'someone@else.test'",
    )
    .fetch_one(&w.t.owner)
    .await
    .unwrap();
    assert_eq!(kept, 1);

    let complaint = json!({
        "type": "email.complained", "created_at": "2027-01-04T11:00:00Z",
        "data": { "email_id": "x", "to": ["bob@lovelace.test"] }
    });
    let (text, headers) = signed(&complaint, "msg_c1", now);
    assert_eq!(post_event(addr, &text, &headers).await.0, 200);
    assert_eq!(
        w.enrollment(eb).await.stop_reason,
        Some(StopReason::Complained)
    );

    assert_eq!(w.run("2027-01-05T10:00:00Z").await.sent, 0);
    assert_eq!(w.fake.delivered().len(), 2);
}

#[tokio::test]
async fn a_429_storm_slows_sending_without_losing_or_doubling_a_step() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let bob = w.contact("Bob", Some("bob@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    w.enroll(seq, ada).await.unwrap();
    w.enroll(seq, bob).await.unwrap();
    w.fake.script(429, "rate_limit_exceeded", Some("0.05"), 5);
    let started = std::time::Instant::now();
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!((r.sent, r.rate_limited), (2, 5), "{r:?}");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(250),
        "it waited"
    );

    // A storm longer than one run's patience: the step stays pending and
    // goes out, once, on the next tick.
    let cleo = w.contact("Cleo", Some("cleo@lovelace.test")).await;
    w.enroll(seq, cleo).await.unwrap();
    w.fake.script(429, "rate_limit_exceeded", Some("0.01"), 20);
    let r = w.run("2027-01-04T11:00:00Z").await;
    assert_eq!(r.sent, 0, "{r:?}");
    w.fake.0.lock().unwrap().script.clear();
    let r = w.run("2027-01-04T11:01:00Z").await;
    assert_eq!(r.sent, 1, "{r:?}");
    let sent = w.fake.delivered();
    assert_eq!(sent.len(), 3);
    let mut keys: Vec<&String> = sent.iter().map(|(k, _)| k).collect();
    keys.dedup();
    assert_eq!(keys.len(), 3);
}

#[tokio::test]
async fn a_daily_quota_pauses_sending_for_the_day_and_says_so() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    w.enroll(seq, ada).await.unwrap();
    w.fake.script(429, "daily_quota_exceeded", None, 1);
    // Through the engine, as the 30-second timer runs it.
    let engine = redkey::engine::Engine::new(
        w.t.db.clone(),
        w.settings.engine.clone(),
        Some(w.email.clone()),
    )
    .unwrap();
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let task = redkey_data::tasks::NewTask::new(
        "roles.crm",
        "sequence.step",
        json!({}),
        "agent:test".into(),
    );
    redkey_data::tasks::enqueue(&mut tx, &task).await.unwrap();
    tx.commit().await.unwrap();
    // Wherever the real clock stands, make the enrollment due and in window.
    sqlx::query("UPDATE sequences SET weekdays = '{1,2,3,4,5,6,7}', window_start = '00:00', window_end = '23:59:59'")
        .execute(&w.t.owner)
        .await
        .unwrap();
    engine.run_one().await.unwrap().expect("the step task ran");
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let said = redkey_data::tasks::messages(&mut tx, Some("roles.crm"), 0, 10)
        .await
        .unwrap();
    drop(tx);
    assert!(
        said.iter()
            .any(|m| m.body["summary"].as_str().unwrap_or("").contains("quota")),
        "{said:?}"
    );
    assert_eq!(w.fake.delivered().len(), 0);
    let now = Utc::now();
    // Another server instance, which never saw the 429, stops too.
    let other =
        EmailService::new(w.settings.email.clone(), "https://crm.alpha.test".into()).unwrap();
    let later = run_due(&other, &w.t.db, w.a, now + chrono::Duration::minutes(5))
        .await
        .unwrap();
    assert!(
        later.note.unwrap().contains("paused until"),
        "no sending later today"
    );
    // The cockpit reads the pause (as the person) and shows why.
    let mut tx = w.t.tx(w.a, w.human).await;
    let (until, why) = outbox::sending_paused(&mut tx, now)
        .await
        .unwrap()
        .expect("a pause in force");
    drop(tx);
    assert!(until > now && why.contains("quota"), "{until} {why}");
    // Beta's sending is its own.
    let mut tx = w.t.tx(w.b, w.human).await;
    assert_eq!(outbox::sending_paused(&mut tx, now).await.unwrap(), None);
    drop(tx);
    let tomorrow = (now + chrono::Duration::days(1))
        .date_naive()
        .and_hms_opt(0, 30, 0)
        .unwrap()
        .and_utc();
    assert_eq!(
        run_due(&w.email, &w.t.db, w.a, tomorrow)
            .await
            .unwrap()
            .sent,
        1
    );
}

#[tokio::test]
async fn an_unresolved_send_goes_to_review_instead_of_being_resent() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    let e = w.enroll(seq, ada).await.unwrap();
    w.fake.script(500, "application_error", None, 1);
    assert_eq!(w.run("2027-01-04T10:00:00Z").await.sent, 0);
    // Resend keeps idempotency keys 24 h: a day later the outcome of the
    // first attempt can no longer be settled by replaying it.
    sqlx::query("UPDATE email_sends SET created_at = now() - interval '24 hours'")
        .execute(&w.t.owner)
        .await
        .unwrap();
    let r = w.run("2027-01-04T10:05:00Z").await;
    assert_eq!((r.sent, r.review), (0, 1), "{r:?}");
    assert_eq!(w.fake.delivered().len(), 0);
    let paused = w.enrollment(e).await;
    assert_eq!(
        (paused.status, paused.stop_reason),
        (Status::Paused, Some(StopReason::NeedsReview))
    );
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    assert_eq!(outbox::in_review(&mut tx).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_concurrent_request_conflict_is_retried_once_later() {
    let w = world().await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    w.enroll(seq, ada).await.unwrap();
    w.fake
        .script(409, "concurrent_idempotent_requests", None, 1);
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!(r.sent, 0, "{r:?}");
    assert!(r.note.unwrap().contains("will retry"));
    assert_eq!(w.run("2027-01-04T10:00:30Z").await.sent, 1);
    let sent = w.fake.delivered();
    assert_eq!(sent.len(), 1);
    let keys = w.fake.0.lock().unwrap().requests.clone();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "the retry used the same key");
}

#[tokio::test]
async fn the_daily_cap_holds_sends_until_tomorrow() {
    let w = world_with(json!({ "daily_cap": 1 })).await;
    let ada = w.contact("Ada", Some("ada@lovelace.test")).await;
    let bob = w.contact("Bob", Some("bob@lovelace.test")).await;
    let seq = w.sequence(vec![step(0, false, "One")]).await;
    w.enroll(seq, ada).await.unwrap();
    w.enroll(seq, bob).await.unwrap();
    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(r.note.as_deref(), Some("daily sending cap reached"));
    assert_eq!(w.run("2027-01-04T15:00:00Z").await.sent, 0);
    assert_eq!(w.run("2027-01-05T10:00:00Z").await.sent, 1);
    assert_eq!(w.fake.delivered().len(), 2);
}

#[tokio::test]
async fn the_rate_cap_is_shared_by_every_instance_and_kept_per_client() {
    let w = world().await;
    let gap = 0.05;
    // Eight takers at once, as workers on several instances would be.
    let takers: Vec<_> = (0..8)
        .map(|_| {
            let (db, a) = (w.t.db.clone(), w.a);
            tokio::spawn(async move {
                let mut slots = Vec::new();
                for _ in 0..3 {
                    let mut tx = db.begin(a, Actor::Agent).await.unwrap();
                    slots.push(outbox::take_send_slot(&mut tx, gap).await.unwrap().0);
                    tx.commit().await.unwrap();
                }
                slots
            })
        })
        .collect();
    let mut slots = Vec::new();
    for t in takers {
        slots.extend(t.await.unwrap());
    }
    slots.sort();
    assert_eq!(slots.len(), 24);
    for pair in slots.windows(2) {
        assert!(
            pair[1] - pair[0] >= chrono::Duration::milliseconds(50),
            "two requests closer than the cap allows: {pair:?}"
        );
    }
    // Beta's account is its own: alpha's queue does not hold it back.
    let mut tx = w.t.tx(w.b, Actor::Agent).await;
    let (_, first) = outbox::take_send_slot(&mut tx, gap).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = w.t.tx(w.b, Actor::Agent).await;
    let (_, second) = outbox::take_send_slot(&mut tx, gap).await.unwrap();
    tx.commit().await.unwrap();
    assert!(first <= 0.0 && second <= gap, "{first} {second}");
}
