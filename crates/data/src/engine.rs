//! The engine's cross-client queue operations, as `redkey_engine` through
//! the `engine_*` functions. Each call is its own short transaction:
//! claiming never holds a lock while a task runs.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::{Db, Result};
use redkey_types::Task;

const ROLE: &str = "redkey_engine";
const TASK_COLUMNS: &str = "id, workspace_id AS client_id, topic, kind, payload, status, \
    priority, run_at, attempts, max_attempts, locked_by, heartbeat_at, started_at, finished_at, \
    result, last_error, created_by, dedupe_key, created_at, updated_at, instruction_id";

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Succeeded(Value),
    /// Queued again, to run at the given time.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    Failed(String),
}

/// Claims up to `limit` due tasks for `instance`, one per client, serving
/// first the client with the fewest running tasks (then the one served
/// longest ago); within a client, highest priority first. Tasks other
/// agents created through the API run at most `agent_running` at once per
/// client.
pub async fn claim(db: &Db, instance: &str, limit: i32, agent_running: i32) -> Result<Vec<Task>> {
    claim_for(db, instance, limit, agent_running, None).await
}

/// [`claim`], among `clients` only (none: every client of the database).
pub async fn claim_for(
    db: &Db,
    instance: &str,
    limit: i32,
    agent_running: i32,
    clients: Option<&[Uuid]>,
) -> Result<Vec<Task>> {
    let mut tx = db.unscoped(ROLE).await?;
    let tasks = sqlx::query_as(&format!(
        "SELECT {TASK_COLUMNS} FROM engine_claim($1, $2, $3, $4)"
    ))
    .bind(instance)
    .bind(limit)
    .bind(agent_running)
    .bind(clients)
    .fetch_all(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(tasks)
}

impl Outcome {
    /// As `engine_finish` takes it: outcome, result, error, retry time.
    fn parts(
        &self,
    ) -> (
        &'static str,
        Option<&Value>,
        Option<&str>,
        Option<DateTime<Utc>>,
    ) {
        match self {
            Outcome::Succeeded(v) => ("succeeded", Some(v), None, None),
            Outcome::Retry { error, at } => ("retry", None, Some(error.as_str()), Some(*at)),
            Outcome::Failed(e) => ("failed", None, Some(e.as_str()), None),
        }
    }
}

/// Records the outcome; false when the task was no longer this
/// instance's (rescued while it ran), in which case nothing changes.
pub async fn finish(db: &Db, task: Uuid, instance: &str, outcome: &Outcome) -> Result<bool> {
    Ok(finish_many(db, instance, &[(task, outcome)])
        .await?
        .contains(&task))
}

/// Records many outcomes in one transaction; returns the tasks that were
/// still this instance's.
pub async fn finish_many(db: &Db, instance: &str, done: &[(Uuid, &Outcome)]) -> Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(done.len());
    let (mut names, mut results, mut errors, mut ats) = (vec![], vec![], vec![], vec![]);
    for (id, outcome) in done {
        let (name, result, error, at) = outcome.parts();
        ids.push(*id);
        names.push(name);
        results.push(result.cloned());
        errors.push(error);
        ats.push(at);
    }
    let mut tx = db.unscoped(ROLE).await?;
    let mine = sqlx::query_scalar("SELECT engine_finish_many($1, $2, $3, $4, $5, $6)")
        .bind(instance)
        .bind(&ids)
        .bind(&names)
        .bind(&results)
        .bind(&errors)
        .bind(&ats)
        .fetch_all(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(mine)
}

pub async fn heartbeat(db: &Db, instance: &str, tasks: &[Uuid]) -> Result<i32> {
    on_tasks(db, "SELECT engine_heartbeat($1, $2)", instance, tasks).await
}

/// Gives tasks back to the queue without counting the attempt.
pub async fn release(db: &Db, instance: &str, tasks: &[Uuid]) -> Result<i32> {
    on_tasks(db, "SELECT engine_release($1, $2)", instance, tasks).await
}

/// Runs an `engine_*(instance, tasks)` function in its own transaction.
async fn on_tasks(db: &Db, sql: &'static str, instance: &str, tasks: &[Uuid]) -> Result<i32> {
    let mut tx = db.unscoped(ROLE).await?;
    let n = sqlx::query_scalar(sql)
        .bind(instance)
        .bind(tasks)
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(n)
}

/// Re-queues tasks whose heartbeat is older than `stale`.
pub async fn rescue(db: &Db, stale: std::time::Duration) -> Result<i32> {
    let mut tx = db.unscoped(ROLE).await?;
    let n = sqlx::query_scalar("SELECT engine_rescue(make_interval(secs => $1))")
        .bind(stale.as_secs_f64())
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(n)
}

/// Deletes succeeded and cancelled tasks (and their runs) finished more
/// than `older` ago, and failed ones finished more than `failed_older` ago.
pub async fn prune(
    db: &Db,
    older: std::time::Duration,
    failed_older: std::time::Duration,
) -> Result<i32> {
    let mut tx = db.unscoped(ROLE).await?;
    let n = sqlx::query_scalar(
        "SELECT engine_prune(make_interval(secs => $1), make_interval(secs => $2))",
    )
    .bind(older.as_secs_f64())
    .bind(failed_older.as_secs_f64())
    .fetch_one(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// A client and the start of its current daily slot.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TimerClient {
    pub client_id: Uuid,
    pub slug: String,
    pub daily_slot: DateTime<Utc>,
}

pub async fn clients(db: &Db, now: DateTime<Utc>) -> Result<Vec<TimerClient>> {
    let mut tx = db.unscoped(ROLE).await?;
    Ok(
        sqlx::query_as("SELECT client_id, slug, daily_slot FROM engine_clients($1)")
            .bind(now)
            .fetch_all(tx.conn())
            .await?,
    )
}

/// Creates the tick of (kind, client, slot) and its task, once ever.
/// Returns the new task's id; none when the tick existed or the previous
/// task of the kind is still unfinished.
pub async fn tick(
    db: &Db,
    kind: &str,
    topic: &str,
    client: Uuid,
    slot: DateTime<Utc>,
) -> Result<Option<Uuid>> {
    let mut tx = db.unscoped(ROLE).await?;
    let id = sqlx::query_scalar("SELECT engine_tick($1, $2, $3, $4)")
        .bind(kind)
        .bind(topic)
        .bind(client)
        .bind(slot)
        .fetch_one(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// A client's id from its slug (webhook URLs name the client).
pub async fn client_id(db: &Db, slug: &str) -> Result<Option<Uuid>> {
    let mut tx = db.unscoped(ROLE).await?;
    Ok(sqlx::query_scalar("SELECT engine_client_id($1)")
        .bind(slug)
        .fetch_one(tx.conn())
        .await?)
}

/// Says `instance` is alive in this database (every few seconds, from each
/// engine serving it).
pub async fn check_in(
    db: &Db,
    instance: &str,
    version: &str,
    started: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.unscoped(ROLE).await?;
    sqlx::query("SELECT engine_check_in($1, $2, $3)")
        .bind(instance)
        .bind(version)
        .bind(started)
        .execute(tx.conn())
        .await?;
    tx.commit().await
}
