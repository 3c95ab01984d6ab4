//! One arlo runner over several databases: clients on databases of their
//! own and several clients on one, served in turn, each database isolated
//! from the others' outages, its state on `/readyz` and the Arlo page.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use redkey::{config::Settings, runner::Runner};
use redkey_data::{
    tasks::{self, NewTask},
    Actor, ClientId,
};
use redkey_testkit::{PgBouncer, TestDb};
use redkey_types::TaskStatus;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{listen, serve, visitor::Visitor};

async fn enqueue(t: &TestDb, client: ClientId, payload: Value) -> Uuid {
    let mut tx = t.tx(client, Actor::Agent).await;
    let task = NewTask::new("roles.crm", "engine.echo", payload, "agent:test".into());
    let id = tasks::enqueue(&mut tx, &task).await.unwrap().task().id;
    tx.commit().await.unwrap();
    id
}

async fn finished(t: &TestDb, client: ClientId, ids: &[Uuid]) -> usize {
    let mut tx = t.tx(client, Actor::Agent).await;
    let mut n = 0;
    for id in ids {
        if tasks::get(&mut tx, *id).await.unwrap().status == TaskStatus::Succeeded {
            n += 1;
        }
    }
    n
}

/// When each finished task's handler ran, as its result says.
async fn ran(t: &TestDb, client: ClientId, ids: &[Uuid]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut tx = t.tx(client, Actor::Agent).await;
    let mut spans = Vec::new();
    for id in ids {
        let result = tasks::get(&mut tx, *id).await.unwrap().result.unwrap();
        spans.push(serde_json::from_value(result["ran"].clone()).unwrap());
    }
    spans
}

/// The most spans that overlap at any moment.
fn most_at_once(spans: &[(DateTime<Utc>, DateTime<Utc>)]) -> usize {
    let mut edges: Vec<(DateTime<Utc>, i32)> = spans
        .iter()
        .flat_map(|(b, e)| [(*b, 1), (*e, -1)])
        .collect();
    // An end before a begin at the same instant: touching is not overlap.
    edges.sort();
    let (mut now, mut most) = (0, 0);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most as usize
}

async fn wait_until<F: std::future::Future<Output = bool>>(
    what: &str,
    mut check: impl FnMut() -> F,
) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn entry(name: &str, url: String) -> Value {
    json!({ "name": name, "url": url, "workers": 4, "max_connections": 3 })
}

async fn readyz(base: &str) -> (u16, Value) {
    let r = reqwest::get(format!("{base}/readyz")).await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn database<'a>(ready: &'a Value, name: &str) -> &'a Value {
    ready["databases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {ready}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_runner_serves_each_database_in_turn_and_outlives_one_going_down() {
    // Two clients sharing one database, one client on a database of its
    // own, one database behind a pooler that will stop, one never reachable.
    let shared = TestDb::new().await;
    let (alpha, alpha2) = (shared.client("alpha").await, shared.client("alpha2").await);
    let own = TestDb::new().await;
    let beta = own.client("beta").await;
    let flaky = TestDb::new().await;
    let gamma = flaky.client("gamma").await;
    let bouncer = PgBouncer::start(&redkey_testkit::base_options(), &["redkey_app"]).await;
    let nowhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!(
        "postgres://redkey_app@127.0.0.1:{}/nothing",
        nowhere.local_addr().unwrap().port()
    );
    drop(nowhere);
    let mut pooled = entry(
        "flaky",
        format!(
            "postgres://redkey_app@127.0.0.1:{}/{}",
            bouncer.port, flaky.name
        ),
    );
    pooled["pooler"] = json!("transaction");
    let databases = json!([
        entry("shared", shared.direct_serving_url()),
        entry("own", own.direct_serving_url()),
        pooled,
        entry("gone", dead),
    ])
    .to_string();
    let settings = Settings::from_pairs(&[
        ("REDKEY_RUNNER_DATABASES", &databases),
        ("REDKEY_RUNNER_WORKERS", "2"),
        ("REDKEY_INSTANCE", "runner"),
        ("REDKEY_TIMERS", "off"),
        ("REDKEY_POLL_MS", "100"),
        ("REDKEY_HEARTBEAT_MS", "100"),
        ("REDKEY_STALE_MS", "400"),
    ])
    .unwrap();

    // A long queue in one database first, then a few tasks elsewhere.
    let mut backlog = Vec::new();
    for _ in 0..60 {
        backlog.push(enqueue(&shared, alpha, json!({ "sleep_ms": 100 })).await);
    }
    let runner = Runner::start(&settings, Duration::from_secs(1)).unwrap();
    let base = listen(runner.router()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let others = vec![
        enqueue(&own, beta, json!({})).await,
        enqueue(&own, beta, json!({})).await,
    ];
    let neighbour = enqueue(&shared, alpha2, json!({})).await;
    let pooled_task = enqueue(&flaky, gamma, json!({})).await;
    wait_until("the other databases' tasks ran", || async {
        finished(&own, beta, &others).await == 2
            && finished(&shared, alpha2, &[neighbour]).await == 1
            && finished(&flaky, gamma, &[pooled_task]).await == 1
    })
    .await;
    let done = finished(&shared, alpha, &backlog).await;
    assert!(
        done < 40,
        "the other databases waited their turn, not the whole backlog ({done} of 60 done)"
    );

    // Reaching a database that is not there fails within the pool's wait.
    wait_until("the unreachable database reports its error", || async {
        database(&readyz(&base).await.1, "gone")["last_error"].is_string()
    })
    .await;
    let (code, ready) = readyz(&base).await;
    assert_eq!(
        (code, ready["status"].as_str()),
        (200, Some("degraded")),
        "{ready}"
    );
    assert_eq!(database(&ready, "gone")["ok"], false);
    assert_eq!(
        database(&ready, "shared")["clients"],
        json!(["alpha", "alpha2"])
    );
    assert_eq!(database(&ready, "own")["clients"], json!(["beta"]));
    assert_eq!(database(&ready, "flaky")["ok"], true);

    // The pooler in front of one database stops: it turns unhealthy, the
    // others keep running.
    drop(bouncer);
    wait_until("the stopped database shows unhealthy", || async {
        database(&readyz(&base).await.1, "flaky")["ok"] == false
    })
    .await;
    let later = enqueue(&own, beta, json!({})).await;
    wait_until("the others still run", || async {
        finished(&own, beta, &[later]).await == 1
    })
    .await;
    wait_until("the backlog drained", || async {
        finished(&shared, alpha, &backlog).await == backlog.len()
    })
    .await;

    // Two turns for every database together, though each may run four.
    let mut spans = ran(&shared, alpha, &backlog).await;
    spans.extend(ran(&shared, alpha2, &[neighbour]).await);
    spans.extend(ran(&own, beta, &others).await);
    spans.extend(ran(&flaky, gamma, &[pooled_task]).await);
    assert_eq!(most_at_once(&spans), 2);

    // Each database lists the runner's engine for it.
    let mut tx = own.tx(beta, Actor::Agent).await;
    let engines = tasks::engines(&mut tx).await.unwrap();
    assert_eq!(engines.len(), 1, "{engines:?}");
    assert_eq!(engines[0].instance, "runner/own");
    assert!(!engines[0].stopped());
    drop(tx);
    runner.stop().await;
}

#[tokio::test]
async fn the_arlo_page_says_when_no_engine_serves_the_database() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let addr = serve(&t).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    assert!(me.text("/arlo").await.contains("data-engines=\"none\""));

    let settings = Settings::from_pairs(&[("REDKEY_INSTANCE", "web-1")]).unwrap();
    let engine = redkey::engine::Engine::new(t.db.clone(), settings.engine, None).unwrap();
    engine.check_in().await.unwrap();
    let page = me.text("/arlo").await;
    assert!(
        page.contains("data-engine=\"web-1\" data-state=\"running\""),
        "{page}"
    );
    assert!(!page.contains("data-engines="));

    // Silent longer than an engine ever is between check-ins.
    sqlx::query("UPDATE engine_checkins SET checked_in_at = now() - interval '10 minutes'")
        .execute(&t.owner)
        .await
        .unwrap();
    let page = me.text("/arlo").await;
    assert!(page.contains("data-state=\"stopped\""));
    assert!(page.contains("data-engines=\"stopped\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redkey_runner_serves_its_databases_until_terminated() {
    let refused = crate::helpers::command::redkey(&[], &["runner"]);
    assert!(!refused.ok);
    assert!(
        refused.err.contains("no databases to run"),
        "{}",
        refused.err
    );

    let t = TestDb::new().await;
    let alpha = t.client("alpha").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let databases = json!([entry("alpha", t.direct_serving_url())]).to_string();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_redkey"))
        .arg("runner")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("REDKEY_LISTEN", format!("127.0.0.1:{port}"))
        .env("REDKEY_RUNNER_DATABASES", &databases)
        .env("REDKEY_TIMERS", "off")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until("the runner is ready", || async {
        match reqwest::get(format!("{base}/readyz")).await {
            Ok(r) => r.status() == 200,
            Err(_) => false,
        }
    })
    .await;
    let id = enqueue(&t, alpha, json!({ "reply": "from the runner" })).await;
    wait_until("the runner ran the task", || async {
        finished(&t, alpha, &[id]).await == 1
    })
    .await;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success(), "a clean exit on SIGTERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_scoped_to_some_clients_serves_only_theirs() {
    let t = TestDb::new().await;
    let (alpha, alpha2) = (t.client("alpha").await, t.client("alpha2").await);
    let mut scoped = entry("alpha-only", t.direct_serving_url());
    scoped["clients"] = json!(["alpha"]);
    let mut missing = entry("missing", t.direct_serving_url());
    missing["clients"] = json!(["nobody"]);
    let databases = json!([scoped, missing]).to_string();
    let settings = Settings::from_pairs(&[
        ("REDKEY_RUNNER_DATABASES", &databases),
        ("REDKEY_TIMERS", "off"),
        ("REDKEY_POLL_MS", "100"),
    ])
    .unwrap();
    let other = enqueue(&t, alpha2, json!({})).await;
    let mine = enqueue(&t, alpha, json!({})).await;
    let runner = Runner::start(&settings, Duration::from_secs(1)).unwrap();
    let base = listen(runner.router()).await;
    wait_until("alpha's task ran", || async {
        finished(&t, alpha, &[mine]).await == 1
    })
    .await;
    // Several polls later, the other client's task is still waiting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut tx = t.tx(alpha2, Actor::Agent).await;
    assert_eq!(
        tasks::get(&mut tx, other).await.unwrap().status,
        TaskStatus::Queued
    );
    drop(tx);
    wait_until("the missing client is reported", || async {
        database(&readyz(&base).await.1, "missing")["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("no client \"nobody\""))
    })
    .await;
    let ready = readyz(&base).await.1;
    assert_eq!(database(&ready, "alpha-only")["clients"], json!(["alpha"]));
    runner.stop().await;
}
