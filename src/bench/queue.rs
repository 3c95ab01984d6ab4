//! `redkey bench-queue`: how fast the task queue drains, through the real
//! claim / run / finish path, with several workers contending.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

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

pub async fn run(server: &DatabaseUrl, tasks_n: usize, workers: usize) -> anyhow::Result<()> {
    let (owner, db) =
        super::fresh_database(server, "redkey_bench_queue", workers as u32 + 4).await?;
    let client = ClientId(admin::create_client(&owner, "bench", "Bench").await?);

    let started = Instant::now();
    let mut done = 0;
    while done < tasks_n {
        let mut tx = db.begin(client, Actor::Agent).await?;
        for i in done..(done + 1000).min(tasks_n) {
            let t = NewTask::new(
                "roles.crm",
                "engine.echo",
                json!({ "reply": i }),
                "engine:bench".into(),
            );
            tasks::enqueue(&mut tx, &t).await?;
        }
        tx.commit().await?;
        done = (done + 1000).min(tasks_n);
    }
    let enqueue = started.elapsed();

    let engine = |name: &str| -> anyhow::Result<Engine> {
        Engine::new(
            db.clone(),
            Settings::from_pairs(&[("REDKEY_INSTANCE", name)])?.engine,
            None,
        )
    };
    let engines = [engine("bench-a")?, engine("bench-b")?];
    let bar = ProgressBar::new(tasks_n as u64).with_style(ProgressStyle::with_template(
        "draining {bar:40} {pos}/{len} {per_sec}",
    )?);
    let steps = Arc::new(Mutex::new(Vec::with_capacity(tasks_n)));
    let started = Instant::now();
    let mut handles = vec![];
    for w in 0..workers {
        let (engine, steps, bar) = (engines[w % 2].clone(), steps.clone(), bar.clone());
        handles.push(tokio::spawn(async move {
            loop {
                let t = Instant::now();
                match engine.run_one().await {
                    Ok(Some(_)) => {
                        steps.lock().expect("not poisoned").push(t.elapsed());
                        bar.inc(1);
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                }
            }
        }));
    }
    for h in handles {
        h.await??;
    }
    let drain = started.elapsed();
    bar.finish_and_clear();
    let mut steps = steps.lock().expect("not poisoned").clone();
    steps.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("tasks: {tasks_n}, workers: {workers} (over two engine instances)");
    println!(
        "enqueue            {:>9.0} tasks/s",
        tasks_n as f64 / enqueue.as_secs_f64()
    );
    println!(
        "drain              {:>9.0} tasks/s  ({:.2} s)",
        tasks_n as f64 / drain.as_secs_f64(),
        drain.as_secs_f64()
    );
    println!(
        "claim+run+finish   p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms",
        ms(steps[steps.len() / 2]),
        ms(steps[steps.len() * 95 / 100]),
        ms(steps[steps.len() * 99 / 100])
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
