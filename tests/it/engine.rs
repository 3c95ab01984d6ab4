//! The engine in-process, driven one step at a time: results, retries with
//! backoff, rescue, timers, topics with signed forwarding, shutdown.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{http::HeaderMap, routing::post, Router};
use chrono::Utc;
use redkey::{
    config::{EngineSettings, Settings},
    engine::{signing, Engine},
};
use redkey_data::{
    engine::{self, Outcome},
    tasks::{self, NewTask},
    Actor, ClientId,
};
use redkey_testkit::TestDb;
use redkey_types::{TaskStatus, TIMERS};
use serde_json::{json, Value};
use uuid::Uuid;

fn settings(instance: &str, extra: &[(&str, &str)]) -> EngineSettings {
    let mut pairs = vec![
        ("REDKEY_INSTANCE", instance),
        ("REDKEY_BACKOFF_MS", "200"),
        ("REDKEY_HEARTBEAT_MS", "100"),
        ("REDKEY_STALE_MS", "400"),
        ("REDKEY_POLL_MS", "100"),
    ];
    pairs.extend_from_slice(extra);
    Settings::from_pairs(&pairs).unwrap().engine
}

async fn enqueue(t: &TestDb, client: ClientId, kind: &str, payload: Value) -> Uuid {
    enqueue_with(
        t,
        client,
        NewTask::new("roles.crm", kind, payload, "agent:test".into()),
    )
    .await
}

async fn enqueue_with(t: &TestDb, client: ClientId, task: NewTask) -> Uuid {
    let mut tx = t.tx(client, Actor::Agent).await;
    let id = tasks::enqueue(&mut tx, &task).await.unwrap().task().id;
    tx.commit().await.unwrap();
    id
}

async fn task(t: &TestDb, client: ClientId, id: Uuid) -> redkey_types::Task {
    let mut tx = t.tx(client, Actor::Agent).await;
    tasks::get(&mut tx, id).await.unwrap()
}

async fn runs(t: &TestDb, client: ClientId, id: Uuid) -> Vec<redkey_types::TaskRun> {
    let mut tx = t.tx(client, Actor::Agent).await;
    tasks::runs_of(&mut tx, id).await.unwrap()
}

#[tokio::test]
async fn a_task_runs_once_and_keeps_its_result() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    let engine = Engine::new(t.db.clone(), settings("one", &[]), None).unwrap();
    let id = enqueue(&t, a, "engine.echo", json!({ "reply": "pong" })).await;

    let ran = engine.run_one().await.unwrap().expect("a task was due");
    assert_eq!(ran.task, id);
    assert!(ran.recorded);
    assert!(engine.run_one().await.unwrap().is_none(), "claimed once");
    let done = task(&t, a, id).await;
    assert_eq!(done.status, TaskStatus::Succeeded);
    assert_eq!(done.result.unwrap()["reply"], "pong");
    assert_eq!(done.attempts, 1);
    let r = runs(&t, a, id).await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].outcome.as_deref(), Some("succeeded"));
    assert_eq!(r[0].instance, "one");
    // The other client does not see it.
    let mut tx = t.tx(b, Actor::Agent).await;
    assert!(tasks::get(&mut tx, id).await.is_err());
}

#[tokio::test]
async fn a_failing_task_backs_off_and_fails_after_max_attempts() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let engine = Engine::new(t.db.clone(), settings("one", &[]), None).unwrap();
    let mut retrying = NewTask::new(
        "roles.crm",
        "engine.echo",
        json!({ "fail": "retry" }),
        "agent:test".into(),
    );
    retrying.max_attempts = Some(3);
    let id = enqueue_with(&t, a, retrying).await;
    let permanent = enqueue(&t, a, "engine.echo", json!({ "fail": "permanent" })).await;

    let started = std::time::Instant::now();
    let mut outcomes = vec![];
    while outcomes.len() < 4 && started.elapsed() < Duration::from_secs(20) {
        match engine.run_one().await.unwrap() {
            Some(ran) => outcomes.push((ran.task, ran.outcome)),
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    let mine: Vec<&Outcome> = outcomes
        .iter()
        .filter(|(t, _)| *t == id)
        .map(|(_, o)| o)
        .collect();
    assert_eq!(mine.len(), 3, "{outcomes:?}");
    assert!(matches!(mine[0], Outcome::Retry { .. }));
    assert!(matches!(mine[1], Outcome::Retry { .. }));
    assert!(matches!(mine[2], Outcome::Failed(_)));
    assert_eq!(task(&t, a, id).await.status, TaskStatus::Failed);
    assert_eq!(task(&t, a, id).await.attempts, 3);

    // Each retry waited at least half its nominal delay (200 ms, then 400 ms).
    let r = runs(&t, a, id).await;
    assert_eq!(
        r.iter()
            .map(|r| r.outcome.as_deref().unwrap())
            .collect::<Vec<_>>(),
        ["retry", "retry", "failed"]
    );
    for (i, pair) in r.windows(2).enumerate() {
        let gap = pair[1].started_at - pair[0].finished_at.unwrap();
        let nominal = 200 * (1 << i);
        assert!(
            gap.num_milliseconds() >= nominal / 2,
            "retry {i} came after {gap} (nominal {nominal} ms)"
        );
    }

    // A permanent error fails at once.
    let p = task(&t, a, permanent).await;
    assert_eq!((p.status, p.attempts), (TaskStatus::Failed, 1));
    assert_eq!(p.last_error.as_deref(), Some("asked to fail"));

    // Retry from the cockpit queues it again from the first attempt.
    let user = t.user("retry@alpha.test", &["alpha"]).await;
    let mut tx = t.db.begin(a, Actor::User(user)).await.unwrap();
    tasks::retry(&mut tx, permanent).await.unwrap();
    tx.commit().await.unwrap();
    let again = task(&t, a, permanent).await;
    assert_eq!((again.status, again.attempts), (TaskStatus::Queued, 0));
}

#[tokio::test]
async fn concurrent_workers_never_share_a_task() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    for client in [a, b] {
        let mut tx = t.tx(client, Actor::Agent).await;
        for i in 0..150 {
            let task = NewTask::new(
                "roles.crm",
                "engine.echo",
                json!({ "reply": i }),
                "agent:test".into(),
            );
            tasks::enqueue(&mut tx, &task).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let engines = [
        Engine::new(t.db.clone(), settings("left", &[]), None).unwrap(),
        Engine::new(t.db.clone(), settings("right", &[]), None).unwrap(),
    ];
    let executed = Arc::new(Mutex::new(vec![]));
    let mut workers = vec![];
    for w in 0..8 {
        let engine = engines[w % 2].clone();
        let executed = executed.clone();
        workers.push(tokio::spawn(async move {
            while let Some(ran) = engine.run_one().await.unwrap() {
                executed.lock().unwrap().push(ran.task);
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let mut executed = executed.lock().unwrap().clone();
    let total = executed.len();
    executed.sort();
    executed.dedup();
    assert_eq!(
        (total, executed.len()),
        (300, 300),
        "each task ran exactly once"
    );
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM task_runs")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(runs, 300);
}

#[tokio::test]
async fn a_stale_task_is_rescued_and_its_old_owner_cannot_finish_it() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let id = enqueue(&t, a, "engine.echo", json!({ "reply": "late" })).await;
    // "crashed" claims the task, then never heartbeats again.
    let claimed = engine::claim(&t.db, "crashed", 1).await.unwrap();
    assert_eq!(claimed[0].id, id);
    let rescuer = Engine::new(t.db.clone(), settings("rescuer", &[]), None).unwrap();
    assert_eq!(rescuer.rescue().await.unwrap(), 0, "not stale yet");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(rescuer.rescue().await.unwrap(), 1);
    let ran = rescuer.run_one().await.unwrap().unwrap();
    assert_eq!((ran.task, ran.recorded), (id, true));
    // The crashed instance coming back to finish changes nothing.
    let late = engine::finish(&t.db, id, "crashed", &Outcome::Failed("x".into()))
        .await
        .unwrap();
    assert!(!late);
    let done = task(&t, a, id).await;
    assert_eq!((done.status, done.attempts), (TaskStatus::Succeeded, 2));
    let r = runs(&t, a, id).await;
    assert_eq!(
        r.iter()
            .map(|r| (r.instance.as_str(), r.outcome.as_deref().unwrap()))
            .collect::<Vec<_>>(),
        [("crashed", "rescued"), ("rescuer", "succeeded")]
    );
}

#[tokio::test]
async fn timer_ticks_create_each_task_once_across_instances() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let one = Engine::new(t.db.clone(), settings("one", &[]), None).unwrap();
    let two = Engine::new(t.db.clone(), settings("two", &[]), None).unwrap();
    // Mid-slot for every timer: 12:00:10 UTC, after the 08:00 daily check.
    let now = Utc::now()
        .date_naive()
        .and_hms_opt(12, 0, 10)
        .unwrap()
        .and_utc();
    let (x, y) = tokio::join!(one.fire_timers(now), two.fire_timers(now));
    assert_eq!(
        x.unwrap() + y.unwrap(),
        2 * TIMERS.len(),
        "one task per timer and client"
    );
    // A late instance in the same slots creates nothing.
    let late = now + chrono::Duration::seconds(15);
    assert_eq!(two.fire_timers(late).await.unwrap(), 0);
    // Drain; the next 30-second slot creates the sequence step only.
    while one.run_one().await.unwrap().is_some() {}
    let next = now + chrono::Duration::seconds(30);
    assert_eq!(one.fire_timers(next).await.unwrap(), 2);
    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, count(*) FROM tasks GROUP BY kind ORDER BY kind")
            .fetch_all(&t.owner)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            ("enrichment.scan".to_string(), 2),
            ("pipeline.health".to_string(), 2),
            ("sequence.step".to_string(), 4)
        ]
    );
}

#[tokio::test]
async fn the_daily_slot_follows_the_clients_time_zone() {
    let t = TestDb::new().await;
    let (alpha_id, _, human) = t.two_clients().await;
    redkey_data::admin::set_schedule(
        &t.owner,
        "alpha",
        chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
        "America/New_York",
    )
    .await
    .unwrap();
    assert!(redkey_data::admin::set_schedule(
        &t.owner,
        "alpha",
        chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
        "Mars/Olympus"
    )
    .await
    .is_err());
    // 2027-01-15 13:00 UTC is 08:00 in New York (EST, UTC-5).
    let now = chrono::DateTime::parse_from_rfc3339("2027-01-15T13:00:00Z")
        .unwrap()
        .to_utc();
    let clients = engine::clients(&t.db, now).await.unwrap();
    let slot = |slug: &str| {
        clients
            .iter()
            .find(|c| c.slug == slug)
            .unwrap()
            .daily_slot
            .to_rfc3339()
    };
    assert_eq!(slot("alpha"), "2027-01-15T12:30:00+00:00");
    assert_eq!(slot("beta"), "2027-01-15T08:00:00+00:00");
    // Across the spring DST change (2027-03-14 in New York) the slot stays
    // at 07:30 local: 11:30 UTC, not 12:30.
    let after_dst = chrono::DateTime::parse_from_rfc3339("2027-03-15T12:00:00Z")
        .unwrap()
        .to_utc();
    let clients = engine::clients(&t.db, after_dst).await.unwrap();
    let alpha = clients.iter().find(|c| c.slug == "alpha").unwrap();
    assert_eq!(alpha.daily_slot.to_rfc3339(), "2027-03-15T11:30:00+00:00");

    // The Arlo page's "next run" is the coming 07:30 in New York.
    let mut tx = t.tx(alpha_id, human).await;
    let next = redkey_data::tasks::next_daily_run(&mut tx).await.unwrap();
    let now = Utc::now();
    assert!(
        next > now && next <= now + chrono::Duration::hours(25),
        "{next}"
    );
    let local: String =
        sqlx::query_scalar("SELECT to_char($1 AT TIME ZONE 'America/New_York', 'HH24:MI')")
            .bind(next)
            .fetch_one(&t.owner)
            .await
            .unwrap();
    assert_eq!(local, "07:30");
}

/// One delivery the fake bus received.
type Delivery = (HeaderMap, Vec<u8>);

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Delivery>>>);

/// A fake agent bus on 127.0.0.1: fails the first delivery with 500.
async fn fake_bus() -> (String, Received) {
    let received = Received::default();
    let seen = received.clone();
    let app = Router::new().route(
        "/bus",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                let mut all = seen.0.lock().unwrap();
                all.push((headers, body.to_vec()));
                if all.len() == 1 {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/bus", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn health_reports_on_roles_exec_and_is_forwarded_signed_with_retries() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let (url, received) = fake_bus().await;
    let hooks =
        json!([{ "client": "alpha", "topic": "roles.exec", "url": url, "secret": "bus-secret" }])
            .to_string();
    let engine = Engine::new(
        t.db.clone(),
        settings("one", &[("REDKEY_TOPIC_WEBHOOKS", &hooks)]),
        None,
    )
    .unwrap();
    let id = enqueue(&t, a, "pipeline.health", json!({})).await;
    let ran = engine.run_one().await.unwrap().unwrap();
    assert_eq!(ran.task, id);
    assert!(matches!(ran.outcome, Outcome::Succeeded(_)), "{ran:?}");

    let mut tx = t.tx(a, Actor::Agent).await;
    let messages = tasks::messages(&mut tx, Some("roles.exec"), 0, 10)
        .await
        .unwrap();
    drop(tx);
    assert_eq!(messages.len(), 1);
    assert!(messages[0].body["summary"]
        .as_str()
        .unwrap()
        .contains("open deals"));

    // The forward: first answer 500 (retry with backoff), then delivered.
    let first = engine.run_one().await.unwrap().unwrap();
    assert_eq!(first.kind, "topic.forward");
    assert!(matches!(first.outcome, Outcome::Retry { .. }), "{first:?}");
    let started = std::time::Instant::now();
    let second = loop {
        if let Some(r) = engine.run_one().await.unwrap() {
            break r;
        }
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert!(
        matches!(second.outcome, Outcome::Succeeded(_)),
        "{second:?}"
    );

    let got = received.0.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    for (headers, body) in &got {
        let ts: i64 = headers[signing::TIMESTAMP_HEADER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let sig = headers[signing::SIGNATURE_HEADER].to_str().unwrap();
        assert!(signing::verify(b"bus-secret", ts, body, sig));
        assert!(!signing::verify(b"wrong", ts, body, sig));
        assert_eq!(
            headers[signing::MESSAGE_ID_HEADER].to_str().unwrap(),
            messages[0].id.to_string()
        );
        let sent: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(sent["topic"], "roles.exec");
        assert_eq!(sent["client"], "alpha");
    }
}

#[tokio::test]
async fn activity_log_is_idempotent_and_refuses_unknown_contacts() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let contact = redkey_data::records::create(
        &mut tx,
        vec![
            redkey_data::contacts::ContactField::FirstName("Ada".into()),
            redkey_data::contacts::ContactField::LastName("Byron".into()),
            redkey_data::contacts::ContactField::Email(Some(
                redkey_types::EmailAddress::parse("ada@alpha.test").unwrap(),
            )),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let engine = Engine::new(t.db.clone(), settings("one", &[]), None).unwrap();
    let payload = json!({
        "contact_email": "ADA@alpha.test", "kind": "meeting",
        "subject": "Coffee", "external_key": "cal-123",
    });
    enqueue(&t, a, "activity.log", payload.clone()).await;
    enqueue(&t, a, "activity.log", payload).await;
    let missing = enqueue(
        &t,
        a,
        "activity.log",
        json!({ "contact_email": "nobody@alpha.test", "kind": "meeting" }),
    )
    .await;
    while engine.run_one().await.unwrap().is_some() {}
    let mut tx = t.tx(a, Actor::Agent).await;
    let logged = redkey_data::activities::of_contact(&mut tx, contact.id)
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].subject.as_deref(), Some("Coffee"));
    let m = tasks::get(&mut tx, missing).await.unwrap();
    assert_eq!((m.status, m.attempts), (TaskStatus::Failed, 1));
    assert!(m.last_error.unwrap().contains("no contact"));
}

#[tokio::test]
async fn shutdown_gives_unfinished_tasks_back() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let id = enqueue(&t, a, "engine.echo", json!({ "sleep_ms": 10_000 })).await;
    let engine = Engine::new(
        t.db.clone(),
        settings("leaving", &[("REDKEY_TIMERS", "off")]),
        None,
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(engine.run(stopped, Duration::from_millis(200)));
    let started = std::time::Instant::now();
    while task(&t, a, id).await.status != TaskStatus::Running {
        assert!(started.elapsed() < Duration::from_secs(10), "never claimed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("stops within its grace")
        .unwrap();
    let back = task(&t, a, id).await;
    assert_eq!((back.status, back.attempts), (TaskStatus::Queued, 0));
    assert_eq!(back.locked_by, None);
    let r = runs(&t, a, id).await;
    assert_eq!(r[0].outcome.as_deref(), Some("released"));
}

#[tokio::test]
async fn a_notification_wakes_an_idle_worker_long_before_its_poll() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let engine = Engine::new(
        t.db.clone(),
        settings(
            "listener",
            &[("REDKEY_POLL_MS", "60000"), ("REDKEY_TIMERS", "off")],
        ),
        None,
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(engine.run(stopped, Duration::from_secs(1)));
    // Idle now: it found nothing and sleeps on its minute-long poll.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let id = enqueue(&t, a, "engine.echo", json!({ "reply": "awake" })).await;
    let started = std::time::Instant::now();
    while task(&t, a, id).await.status != TaskStatus::Succeeded {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "only the poll (60 s) would have found it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap();
}

#[tokio::test]
async fn finished_tasks_past_retention_are_pruned_and_failures_kept() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let engine = Engine::new(t.db.clone(), settings("pruner", &[]), None).unwrap();
    let old = enqueue(&t, a, "engine.echo", json!({})).await;
    let failed = enqueue(&t, a, "engine.echo", json!({ "fail": "permanent" })).await;
    let fresh = enqueue(&t, a, "engine.echo", json!({})).await;
    while engine.run_one().await.unwrap().is_some() {}
    sqlx::query("UPDATE tasks SET finished_at = now() - interval '30 days' WHERE id = ANY($1)")
        .bind(vec![old, failed])
        .execute(&t.owner)
        .await
        .unwrap();
    assert_eq!(engine.prune().await.unwrap(), 1);
    let left: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM tasks ORDER BY created_at")
        .fetch_all(&t.owner)
        .await
        .unwrap();
    assert_eq!(left, [failed, fresh]);
    let orphans: i64 = sqlx::query_scalar("SELECT count(*) FROM task_runs WHERE task_id = $1")
        .bind(old)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(orphans, 0);
}
