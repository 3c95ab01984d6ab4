//! The task queue as one client sees it: enqueue, read, retry, cancel, and
//! the topic messages tasks post. Cross-client claiming is in `engine`.

use chrono::{DateTime, NaiveTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::{kinds::TaskPayload, QueueDepth, Task, TaskRun, TopicMessage};

const COLUMNS: &str = "id, client_id, topic, kind, payload, status, priority, run_at, attempts, \
    max_attempts, locked_by, heartbeat_at, started_at, finished_at, result, last_error, \
    created_by, dedupe_key, created_at, updated_at, instruction_id";

/// A task to enqueue. `created_by` is `user:<id>`, `agent:<name>`,
/// `timer:<kind>` or `engine:<what>`.
#[derive(Clone, Debug)]
pub struct NewTask {
    pub topic: String,
    pub kind: String,
    pub payload: Value,
    pub priority: i32,
    pub run_at: Option<DateTime<Utc>>,
    pub max_attempts: Option<i32>,
    pub dedupe_key: Option<String>,
    pub created_by: String,
    /// Only for `strategic.instruct`, and only a person's transaction may
    /// set it (the column is strategic).
    pub instruction_id: Option<Uuid>,
}

impl NewTask {
    /// A task of the payload's kind.
    pub fn typed(topic: &str, payload: &TaskPayload, created_by: String) -> Self {
        Self::new(topic, payload.kind(), payload.to_value(), created_by)
    }

    pub fn new(topic: &str, kind: &str, payload: Value, created_by: String) -> Self {
        Self {
            topic: topic.into(),
            kind: kind.into(),
            payload,
            priority: 0,
            run_at: None,
            max_attempts: None,
            dedupe_key: None,
            created_by,
            instruction_id: None,
        }
    }
}

/// What enqueueing did: a new task, or the unfinished one that already
/// holds the dedupe key.
#[derive(Clone, Debug)]
pub enum Enqueued {
    Created(Task),
    Existing(Task),
}

impl Enqueued {
    pub fn task(&self) -> &Task {
        match self {
            Self::Created(t) | Self::Existing(t) => t,
        }
    }
}

/// The unfinished task holding `key`, if any.
pub async fn open_with_key(tx: &mut Tx, key: &str) -> Result<Option<Task>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM crm_tasks \
         WHERE dedupe_key = $1 AND status IN ('queued', 'running')"
    ))
    .bind(key)
    .fetch_optional(tx.conn())
    .await?)
}

/// How many tasks other agents created are queued for this client. Takes
/// the client's API-queue lock until the transaction ends, so concurrent
/// callers checking a limit and then enqueueing are counted one by one.
pub async fn queued_by_agents(tx: &mut Tx) -> Result<i64> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('api-queue:' || $1, 0))")
        .bind(tx.client().0.to_string())
        .execute(tx.conn())
        .await?;
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM crm_tasks WHERE status = 'queued' AND created_by LIKE 'agent:%'",
    )
    .fetch_one(tx.conn())
    .await?)
}

pub async fn enqueue(tx: &mut Tx, t: &NewTask) -> Result<Enqueued> {
    if let Some(key) = &t.dedupe_key {
        if let Some(open) = open_with_key(tx, key).await? {
            return Ok(Enqueued::Existing(open));
        }
    }
    // The column is named only when set: naming it at all needs the
    // person's INSERT privilege on it, which arlo's role lacks.
    let (column, value) = match t.instruction_id {
        Some(_) => (", instruction_id", ", $9"),
        None => ("", ""),
    };
    let sql = format!(
        "INSERT INTO crm_tasks (topic, kind, payload, priority, run_at, max_attempts, \
                                dedupe_key, created_by{column}) \
         VALUES ($1, $2, $3, $4, coalesce($5, now()), coalesce($6, 5), $7, $8{value}) \
         RETURNING {COLUMNS}"
    );
    let task = sqlx::query_as(&sql)
        .bind(&t.topic)
        .bind(&t.kind)
        .bind(&t.payload)
        .bind(t.priority)
        .bind(t.run_at)
        .bind(t.max_attempts)
        .bind(&t.dedupe_key)
        .bind(&t.created_by);
    let task = match t.instruction_id {
        Some(id) => task.bind(id),
        None => task,
    }
    .fetch_one(tx.conn())
    .await?;
    Ok(Enqueued::Created(task))
}

pub async fn get(tx: &mut Tx, id: Uuid) -> Result<Task> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM crm_tasks WHERE id = $1"))
            .bind(id)
            .fetch_one(tx.conn())
            .await?,
    )
}

/// Task counts by kind and status.
pub async fn depth(tx: &mut Tx) -> Result<Vec<QueueDepth>> {
    Ok(sqlx::query_as(
        "SELECT kind, status, count(*) AS count FROM crm_tasks \
         GROUP BY kind, status ORDER BY kind, status",
    )
    .fetch_all(tx.conn())
    .await?)
}

/// A run's model tokens, from the calls it made.
const TOKENS: &str = "(SELECT sum(m.input_tokens + m.output_tokens) FROM crm_model_calls m \
     WHERE m.task_id = r.task_id AND m.attempt = r.attempt)::bigint AS tokens";

pub async fn recent_runs(tx: &mut Tx, limit: i64) -> Result<Vec<TaskRun>> {
    Ok(sqlx::query_as(&format!(
        "SELECT r.id, r.task_id, r.kind, r.attempt, r.instance, r.started_at, r.finished_at, \
                r.outcome, r.error, {TOKENS} \
         FROM crm_task_runs r ORDER BY r.started_at DESC, r.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

pub async fn runs_of(tx: &mut Tx, task: Uuid) -> Result<Vec<TaskRun>> {
    Ok(sqlx::query_as(&format!(
        "SELECT r.id, r.task_id, r.kind, r.attempt, r.instance, r.started_at, r.finished_at, \
                r.outcome, r.error, {TOKENS} \
         FROM crm_task_runs r WHERE r.task_id = $1 ORDER BY r.attempt, r.id"
    ))
    .bind(task)
    .fetch_all(tx.conn())
    .await?)
}

pub async fn failed(tx: &mut Tx, limit: i64) -> Result<Vec<Task>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM crm_tasks WHERE status = 'failed' \
         ORDER BY finished_at DESC NULLS LAST, id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// Queues a failed or cancelled task again from its first attempt.
pub async fn retry(tx: &mut Tx, id: Uuid) -> Result<()> {
    sqlx::query("SELECT crm_retry_task($1)")
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn cancel(tx: &mut Tx, id: Uuid) -> Result<()> {
    sqlx::query("SELECT crm_cancel_task($1)")
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The newest tick of each timer kind.
pub async fn last_ticks(tx: &mut Tx) -> Result<Vec<(String, DateTime<Utc>)>> {
    Ok(sqlx::query_as(
        "SELECT kind, max(slot_start) FROM crm_timer_ticks GROUP BY kind ORDER BY kind",
    )
    .fetch_all(tx.conn())
    .await?)
}

/// The client's daily health-check time and its time zone.
pub async fn schedule(tx: &mut Tx) -> Result<(NaiveTime, String)> {
    Ok(
        sqlx::query_as("SELECT health_check_at, time_zone FROM crm_client_schedule")
            .fetch_one(tx.conn())
            .await?,
    )
}

pub async fn post_message(
    tx: &mut Tx,
    topic: &str,
    body: &Value,
    task: Option<Uuid>,
) -> Result<TopicMessage> {
    Ok(sqlx::query_as(
        "INSERT INTO crm_topic_messages (topic, body, task_id) VALUES ($1, $2, $3) \
         RETURNING id, topic, body, task_id, created_at",
    )
    .bind(topic)
    .bind(body)
    .bind(task)
    .fetch_one(tx.conn())
    .await?)
}

pub async fn message(tx: &mut Tx, id: i64) -> Result<TopicMessage> {
    Ok(sqlx::query_as(
        "SELECT id, topic, body, task_id, created_at FROM crm_topic_messages WHERE id = $1",
    )
    .bind(id)
    .fetch_one(tx.conn())
    .await?)
}

/// The message a task posted on a topic, if it did.
pub async fn message_of_task(tx: &mut Tx, task: Uuid, topic: &str) -> Result<Option<TopicMessage>> {
    Ok(sqlx::query_as(
        "SELECT id, topic, body, task_id, created_at FROM crm_topic_messages \
         WHERE task_id = $1 AND topic = $2",
    )
    .bind(task)
    .bind(topic)
    .fetch_optional(tx.conn())
    .await?)
}

/// Messages after the cursor `after` (a message id), oldest first; all
/// topics when `topic` is none.
pub async fn messages(
    tx: &mut Tx,
    topic: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<TopicMessage>> {
    Ok(sqlx::query_as(
        "SELECT id, topic, body, task_id, created_at FROM crm_topic_messages \
         WHERE ($1::text IS NULL OR topic = $1) AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(topic)
    .bind(after)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// The newest messages, newest first.
pub async fn latest_messages(tx: &mut Tx, limit: i64) -> Result<Vec<TopicMessage>> {
    Ok(sqlx::query_as(
        "SELECT id, topic, body, task_id, created_at FROM crm_topic_messages \
         ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// When the client's daily health check runs next: the latest slot at or
/// before a day from now.
pub async fn next_daily_run(tx: &mut Tx) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar(
        "SELECT crm_daily_slot(now() + interval '1 day', health_check_at, time_zone) \
         FROM crm_client_schedule",
    )
    .fetch_one(tx.conn())
    .await?)
}

/// The engines serving this database, latest check-in first.
pub async fn engines(tx: &mut Tx) -> Result<Vec<redkey_types::EngineCheckin>> {
    Ok(sqlx::query_as(
        "SELECT instance, started_at, checked_in_at, version, \
           extract(epoch FROM now() - checked_in_at)::bigint AS silent_for \
         FROM crm_engine_checkins ORDER BY checked_in_at DESC LIMIT 20",
    )
    .fetch_all(tx.conn())
    .await?)
}
