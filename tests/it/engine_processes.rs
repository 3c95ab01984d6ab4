//! Several server processes on one database: a drain of 2,000 tasks runs
//! each exactly once, and a task whose instance is killed with SIGKILL is
//! rescued by another and completed.

use std::time::{Duration, Instant};

use crate::helpers::server_process::start_server;
use redkey_data::{
    tasks::{self, NewTask},
    Actor,
};
use redkey_testkit::TestDb;
use serde_json::json;

async fn count(t: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&t.owner).await.unwrap()
}

async fn wait_for(t: &TestDb, sql: &str, want: i64, within: Duration) {
    let started = Instant::now();
    loop {
        let got = count(t, sql).await;
        if got == want {
            return;
        }
        assert!(started.elapsed() < within, "{sql}: {got}, wanted {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn two_servers_drain_2000_tasks_each_executed_once() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    let _one = start_server(&t, "one", &[("REDKEY_WORKERS", "4")]);
    let _two = start_server(&t, "two", &[("REDKEY_WORKERS", "4")]);
    for batch in 0..10 {
        let client = if batch % 2 == 0 { a } else { b };
        let mut tx = t.tx(client, Actor::Agent).await;
        for i in 0..200 {
            let task = NewTask::new(
                "roles.crm",
                "engine.echo",
                json!({ "reply": batch * 200 + i }),
                "agent:test".into(),
            );
            tasks::enqueue(&mut tx, &task).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    wait_for(
        &t,
        "SELECT count(*) FROM tasks WHERE status = 'succeeded'",
        2000,
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(count(&t, "SELECT count(*) FROM task_runs").await, 2000);
    assert_eq!(
        count(
            &t,
            "SELECT count(DISTINCT task_id) FROM task_runs WHERE outcome = 'succeeded'"
        )
        .await,
        2000,
        "every task ran exactly once"
    );
    for instance in ["one", "two"] {
        let did = count(
            &t,
            &format!("SELECT count(*) FROM task_runs WHERE instance = '{instance}'"),
        )
        .await;
        assert!(did > 0, "{instance} took part");
    }
}

#[tokio::test]
async fn a_task_of_a_killed_server_is_rescued_and_completed() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let mut doomed = start_server(&t, "doomed", &[("REDKEY_WORKERS", "1")]);
    let mut tx = t.tx(a, Actor::Agent).await;
    let task = NewTask::new(
        "roles.crm",
        "engine.echo",
        json!({ "sleep_ms": 3000, "reply": "survived" }),
        "agent:test".into(),
    );
    let id = tasks::enqueue(&mut tx, &task).await.unwrap().task().id;
    tx.commit().await.unwrap();
    let running = format!(
        "SELECT count(*) FROM tasks WHERE id = '{id}' AND status = 'running' AND locked_by = 'doomed'"
    );
    wait_for(&t, &running, 1, Duration::from_secs(20)).await;
    doomed.kill9();
    let _survivor = start_server(&t, "survivor", &[("REDKEY_WORKERS", "2")]);
    wait_for(
        &t,
        &format!("SELECT count(*) FROM tasks WHERE id = '{id}' AND status = 'succeeded'"),
        1,
        Duration::from_secs(30),
    )
    .await;
    let runs: Vec<(String, String)> = sqlx::query_as(
        "SELECT instance, outcome FROM task_runs WHERE task_id = $1 ORDER BY attempt",
    )
    .bind(id)
    .fetch_all(&t.owner)
    .await
    .unwrap();
    assert_eq!(
        runs,
        [
            ("doomed".to_string(), "rescued".to_string()),
            ("survivor".to_string(), "succeeded".to_string())
        ]
    );
    let result: serde_json::Value = sqlx::query_scalar("SELECT result FROM tasks WHERE id = $1")
        .bind(id)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(result["reply"], "survived");
    assert_eq!(result["instance"], "survivor");
}
