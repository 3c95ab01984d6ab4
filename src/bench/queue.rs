//! `redkey bench-queue`: how fast the task queue drains, through the real
//! claim / run / finish path, with several workers contending.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use redkey_data::{
    tasks::{self, NewTask},
    Actor, ClientId,
};
use serde_json::json;

use crate::{
    admin,
    config::{DatabaseUrl, Settings},
    engine::Engine,
};

pub async fn run(
    server: &DatabaseUrl,
    tasks_n: usize,
    workers: usize,
    clients_n: usize,
    pooler_port: Option<u16>,
) -> anyhow::Result<()> {
    let connections = workers as u32 + 8;
    let (owner, db) =
        super::fresh_pooled_database(server, "redkey_bench_queue", connections, pooler_port)
            .await?;
    let mut clients = vec![];
    for i in 0..clients_n {
        let slug = format!("bench{i}");
        clients.push(ClientId(admin::create_client(&owner, &slug, &slug).await?));
    }

    let started = Instant::now();
    for (c, client) in clients.iter().enumerate() {
        let mine: Vec<usize> = (0..tasks_n).filter(|i| i % clients_n == c).collect();
        for chunk in mine.chunks(1000) {
            let mut tx = db.begin(*client, Actor::Agent).await?;
            for i in chunk {
                let t = NewTask::new(
                    "roles.crm",
                    "engine.echo",
                    json!({ "reply": i }),
                    "engine:bench".into(),
                );
                tasks::enqueue(&mut tx, &t).await?;
            }
            tx.commit().await?;
        }
    }
    let enqueue = started.elapsed();

    // Two instances, as two servers would run, each with half the workers,
    // through the engine's own loop (batch claims, grouped finishes).
    let per = (workers / 2).max(1).to_string();
    let engine = |name: &str| -> anyhow::Result<Engine> {
        Engine::new(
            db.clone(),
            Settings::from_pairs(&[
                ("REDKEY_INSTANCE", name),
                ("REDKEY_WORKERS", per.as_str()),
                ("REDKEY_TIMERS", "off"),
                ("REDKEY_POLL_MS", "50"),
            ])?
            .engine,
            None,
        )
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let bar = ProgressBar::new(tasks_n as u64).with_style(ProgressStyle::with_template(
        "draining {bar:40} {pos}/{len} {per_sec}",
    )?);
    let started = Instant::now();
    let mut running = vec![];
    for name in ["bench-a", "bench-b"] {
        let e = engine(name)?;
        running.push(tokio::spawn(
            e.run(stopped.clone(), Duration::from_secs(10)),
        ));
    }
    // Whether anything is left reads two partial indexes; counting the
    // succeeded tasks scans the table, so the bar moves only every 250 ms
    // (the monitor must not load the database it measures).
    let mut counted = Instant::now();
    loop {
        let left: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM tasks WHERE status IN ('queued', 'running'))",
        )
        .fetch_one(&owner)
        .await?;
        if !left {
            break;
        }
        if counted.elapsed() >= Duration::from_millis(250) {
            counted = Instant::now();
            let done: i64 =
                sqlx::query_scalar("SELECT count(*) FROM tasks WHERE status = 'succeeded'")
                    .fetch_one(&owner)
                    .await?;
            bar.set_position(done as u64);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let drain = started.elapsed();
    stop.send(true)?;
    for r in running {
        r.await?;
    }
    bar.finish_and_clear();
    println!(
        "tasks: {tasks_n} over {clients_n} clients, workers: {workers} (over two engine instances)"
    );
    println!(
        "enqueue            {:>9.0} tasks/s",
        tasks_n as f64 / enqueue.as_secs_f64()
    );
    println!(
        "drain              {:>9.0} tasks/s  ({:.2} s)",
        tasks_n as f64 / drain.as_secs_f64(),
        drain.as_secs_f64()
    );
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM task_runs")
        .fetch_one(&owner)
        .await?;
    let distinct: i64 = sqlx::query_scalar("SELECT count(DISTINCT task_id) FROM task_runs")
        .fetch_one(&owner)
        .await?;
    println!(
        "runs recorded      {runs} for {distinct} tasks (each exactly once: {})",
        runs == distinct && distinct == tasks_n as i64
    );
    owner.close().await;
    Ok(())
}
