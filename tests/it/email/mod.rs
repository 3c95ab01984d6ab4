//! Sequences end to end against a fake Resend: delays and windows over
//! simulated time, refusals, unsubscribe, webhooks (signatures, replays,
//! bounces, complaints, replies) and 429 storms.

mod inbound;
mod limits;
mod personalised;
mod runs;
mod stranding;
mod twenty;
mod webhooks;

use std::{net::SocketAddr, sync::Arc};

use crate::helpers::fake_resend::FakeResend;
use chrono::{DateTime, NaiveTime, Utc};
use redkey::{
    config::Settings,
    email::{sequence::run_due, svix, EmailService},
};
use redkey_data::records;
use redkey_data::{
    contacts::ContactField,
    sequences::{self, SequenceInput},
    Actor, ClientId, DbError,
};
use redkey_testkit::TestDb;
use redkey_types::{EmailAddress, Step};
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
        self.sequence_with(steps, false).await
    }

    async fn sequence_with(&self, steps: Vec<Step>, personalised: bool) -> Uuid {
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
                personalised,
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

    /// Runs the engine until no task is due: the received emails the
    /// webhook queued are fetched and read.
    async fn read_inbound(&self) -> Vec<Value> {
        let engine = redkey::engine::Engine::new(
            self.t.db.clone(),
            self.settings.engine.clone(),
            Some(self.email.clone()),
        )
        .unwrap();
        let mut results = vec![];
        while let Some(ran) = engine.run_one().await.unwrap() {
            match ran.outcome {
                redkey_data::engine::Outcome::Succeeded(v) => results.push(v),
                other => panic!("{}: {other:?}", ran.kind),
            }
        }
        results
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
        intent: None,
    }
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
    post_event_to(addr, "alpha", body, headers).await
}

async fn post_event_to(
    addr: SocketAddr,
    slug: &str,
    body: &str,
    headers: &[(&'static str, String)],
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks/resend/{slug}"))
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
