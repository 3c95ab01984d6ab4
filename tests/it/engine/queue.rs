//! The queue one step at a time: results, backoff, concurrency, rescue,
//! shutdown, wake-ups, retention.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use redkey::engine::Engine;
use redkey_data::{
    engine::{self, Outcome},
    tasks::{self, NewTask},
    Actor,
};
use redkey_testkit::TestDb;
use redkey_types::TaskStatus;
use serde_json::json;
use uuid::Uuid;

use super::*;

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
    let claimed = engine::claim(&t.db, "crashed", 1, 4).await.unwrap();
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
    // Behind the test pooler it listens on a direct connection, as it must
    // there; otherwise on the serving pool.
    let direct = t.bouncer.as_ref().map(|_| {
        redkey::config::DatabaseUrl::parse("LISTEN_DATABASE_URL", t.direct_serving_url().into())
            .unwrap()
    });
    let engine = Engine::new(
        t.db.clone(),
        settings(
            "listener",
            &[("REDKEY_POLL_MS", "60000"), ("REDKEY_TIMERS", "off")],
        ),
        None,
    )
    .unwrap()
    .with_listener(direct);
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
async fn finished_tasks_past_retention_are_pruned_and_failures_kept_longer() {
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
    let left = || async {
        let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM tasks ORDER BY created_at")
            .fetch_all(&t.owner)
            .await
            .unwrap();
        ids
    };
    assert_eq!(left().await, [failed, fresh]);
    // Failures stay longer (default 90 days), not forever.
    sqlx::query("UPDATE tasks SET finished_at = now() - interval '91 days' WHERE id = $1")
        .bind(failed)
        .execute(&t.owner)
        .await
        .unwrap();
    assert_eq!(engine.prune().await.unwrap(), 1);
    assert_eq!(left().await, [fresh]);
    let orphans: i64 = sqlx::query_scalar("SELECT count(*) FROM task_runs WHERE task_id = $1")
        .bind(old)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(orphans, 0);
}

#[tokio::test]
async fn claims_are_fair_between_clients() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    let engine = Engine::new(t.db.clone(), settings("fair", &[]), None).unwrap();
    // Alpha floods the queue first; beta's one task comes after all of it.
    for _ in 0..30 {
        enqueue(&t, a, "engine.echo", json!({})).await;
    }
    let late = enqueue(&t, b, "engine.echo", json!({})).await;
    let mut order = vec![];
    for _ in 0..3 {
        order.push(engine.run_one().await.unwrap().unwrap().task);
    }
    assert!(order.contains(&late), "beta waited behind alpha's flood");
}

#[tokio::test]
async fn a_batch_claim_shares_between_clients_and_keeps_the_agent_limit() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    for _ in 0..10 {
        let task = NewTask::new("roles.crm", "engine.echo", json!({}), "user:test".into());
        enqueue_with(&t, a, task).await;
    }
    for i in 0..4 {
        let mut task = NewTask::new("roles.crm", "engine.echo", json!({}), "agent:ea".into());
        task.dedupe_key = Some(format!("agent-{i}"));
        enqueue_with(&t, b, task).await;
    }
    // Six at once: three each, but beta's agent may run only two.
    let claimed = engine::claim(&t.db, "batch", 6, 2).await.unwrap();
    let of = |c: redkey_data::ClientId| claimed.iter().filter(|t| t.client_id == c.0).count();
    assert_eq!((of(a), of(b)), (3, 2), "{claimed:?}");
    let finished: Vec<(Uuid, Outcome)> = claimed
        .iter()
        .map(|t| (t.id, Outcome::Succeeded(json!({"ok": true}))))
        .collect();
    let pairs: Vec<(Uuid, &Outcome)> = finished.iter().map(|(id, o)| (*id, o)).collect();
    let mine = engine::finish_many(&t.db, "batch", &pairs).await.unwrap();
    assert_eq!(mine.len(), 5);
    // Finishing again, or as another instance, records nothing.
    assert!(engine::finish_many(&t.db, "batch", &pairs)
        .await
        .unwrap()
        .is_empty());
    let runs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM task_runs WHERE finished_at IS NOT NULL AND outcome = 'succeeded'",
    )
    .fetch_one(&t.owner)
    .await
    .unwrap();
    assert_eq!(runs, 5, "one finished run per task");
}

#[tokio::test]
async fn the_running_engine_drains_many_tasks_exactly_once() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    let mut ids = vec![];
    for i in 0..300 {
        ids.push(
            enqueue(
                &t,
                if i % 2 == 0 { a } else { b },
                "engine.echo",
                json!({"reply": i}),
            )
            .await,
        );
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut running = vec![];
    for name in ["drain-a", "drain-b"] {
        let e = Engine::new(
            t.db.clone(),
            settings(
                name,
                // Rescue is tested elsewhere: here a loaded test machine
                // must not make a slow heartbeat look like a crash.
                &[
                    ("REDKEY_WORKERS", "4"),
                    ("REDKEY_TIMERS", "off"),
                    ("REDKEY_STALE_MS", "30000"),
                ],
            ),
            None,
        )
        .unwrap();
        running.push(tokio::spawn(e.run(stopped.clone(), Duration::from_secs(5))));
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let done: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE status = 'succeeded'")
            .fetch_one(&t.owner)
            .await
            .unwrap();
        if done == 300 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{done} of 300 drained"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    for r in running {
        r.await.unwrap();
    }
    let (runs, tasks_run): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT task_id) FROM task_runs")
            .fetch_one(&t.owner)
            .await
            .unwrap();
    let outcomes: Vec<(Option<String>, i64)> =
        sqlx::query_as("SELECT outcome, count(*) FROM task_runs GROUP BY 1 ORDER BY 1")
            .fetch_all(&t.owner)
            .await
            .unwrap();
    assert_eq!(
        (runs, tasks_run),
        (300, 300),
        "one run per task: {outcomes:?}"
    );
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks WHERE result IS NOT NULL AND result <> 'null'::jsonb",
    )
    .fetch_one(&t.owner)
    .await
    .unwrap();
    assert_eq!(kept, 300, "each task keeps its own result");
}

#[tokio::test]
async fn slow_tasks_stay_claimable_by_other_instances() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    // The engine's own tasks: no agents' limit caps the claims.
    for _ in 0..20 {
        let slow = json!({ "sleep_ms": 3_000 });
        enqueue_with(
            &t,
            a,
            NewTask::new("roles.crm", "engine.echo", slow, "engine:test".into()),
        )
        .await;
    }
    let engine = Engine::new(
        t.db.clone(),
        settings("slow", &[("REDKEY_WORKERS", "2"), ("REDKEY_TIMERS", "off")]),
        None,
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(engine.run(stopped, Duration::from_millis(100)));
    let held = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM tasks WHERE status = 'running'")
            .fetch_one(&t.owner)
            .await
            .unwrap()
    };
    let started = std::time::Instant::now();
    while held().await < 2 {
        assert!(started.elapsed() < Duration::from_secs(10), "never claimed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Long enough for any further claims, well short of a task's end.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let now = held().await;
    // Its two workers' tasks and a few waiting, not a batch that another
    // instance's idle workers could have run meanwhile.
    assert!(
        (2..=6).contains(&now),
        "one instance with two workers holds {now} slow tasks"
    );
    stop.send(true).unwrap();
    running.await.unwrap();
}
