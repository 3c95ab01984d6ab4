//! Agents' tasks and their per-client limit on running tasks: claims keep
//! it, and the running engine goes on as soon as a place frees.

use std::time::Duration;

use redkey::engine::Engine;
use redkey_data::tasks::NewTask;
use redkey_testkit::TestDb;
use redkey_types::TaskStatus;
use serde_json::json;

use super::*;

#[tokio::test]
async fn agents_tasks_run_at_most_the_limit_at_once_per_client() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let engine = Engine::new(
        t.db.clone(),
        settings("limited", &[("REDKEY_AGENT_RUNNING", "2")]),
        None,
    )
    .unwrap();
    for i in 0..3 {
        let mut task = NewTask::new("roles.crm", "engine.echo", json!({}), "agent:ea".into());
        task.dedupe_key = Some(format!("agent-{i}"));
        enqueue_with(&t, a, task).await;
    }
    let person = enqueue_with(
        &t,
        a,
        NewTask::new("roles.crm", "engine.echo", json!({}), "user:test".into()),
    )
    .await;
    // Claim without finishing: two agent tasks, then only the person's.
    let mut claimed = vec![];
    while let Some(task) = redkey_data::engine::claim(&t.db, "limited", 1, 2)
        .await
        .unwrap()
        .pop()
    {
        claimed.push(task);
    }
    let agents = claimed
        .iter()
        .filter(|c| c.created_by.starts_with("agent:"))
        .count();
    assert_eq!(agents, 2, "{claimed:?}");
    assert!(claimed.iter().any(|c| c.id == person));
    drop(engine);
}

#[tokio::test]
async fn a_finished_agent_task_lets_the_next_run_without_waiting_for_the_poll() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let mut ids = vec![];
    for i in 0..3 {
        let mut task = NewTask::new(
            "roles.crm",
            "engine.echo",
            json!({ "sleep_ms": 200 }),
            "agent:ea".into(),
        );
        task.dedupe_key = Some(format!("agent-{i}"));
        ids.push(enqueue_with(&t, a, task).await);
    }
    // One agent task at a time, and a poll far beyond the test's patience:
    // a place freed by a finished task is announced by no notification.
    let engine = Engine::new(
        t.db.clone(),
        settings(
            "one-at-a-time",
            &[
                ("REDKEY_AGENT_RUNNING", "1"),
                ("REDKEY_WORKERS", "4"),
                ("REDKEY_POLL_MS", "60000"),
                ("REDKEY_TIMERS", "off"),
            ],
        ),
        None,
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(engine.run(stopped, Duration::from_secs(1)));
    let started = std::time::Instant::now();
    for id in &ids {
        while task(&t, a, *id).await.status != TaskStatus::Succeeded {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "only the poll (60 s) would have claimed the next agent task"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    stop.send(true).unwrap();
    running.await.unwrap();
    // Never two at once: each attempt started after the one before ended.
    let mut spans = vec![];
    for id in &ids {
        let run = runs(&t, a, *id).await.pop().expect("one run");
        spans.push((run.started_at, run.finished_at.expect("finished")));
    }
    spans.sort();
    for pair in spans.windows(2) {
        assert!(pair[1].0 >= pair[0].1, "{spans:?}");
    }
}
