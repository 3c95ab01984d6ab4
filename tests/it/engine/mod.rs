//! The engine in-process, driven one step at a time: results, retries with
//! backoff, rescue, timers, topics with signed forwarding, shutdown.

mod agent_limit;
mod backups;
mod domain_check;
mod handlers;
mod queue;
mod timers;

use redkey::config::{EngineSettings, Settings};
use redkey_data::{
    tasks::{self, NewTask},
    Actor, ClientId,
};
use redkey_testkit::TestDb;
use serde_json::Value;
use uuid::Uuid;

fn settings(instance: &str, extra: &[(&str, &str)]) -> EngineSettings {
    // The first of a name counts: `extra` comes first to override.
    let mut pairs = extra.to_vec();
    pairs.extend_from_slice(&[
        ("REDKEY_INSTANCE", instance),
        ("REDKEY_BACKOFF_MS", "200"),
        ("REDKEY_HEARTBEAT_MS", "100"),
        ("REDKEY_STALE_MS", "400"),
        ("REDKEY_POLL_MS", "100"),
    ]);
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
