//! Arlo's work as the cockpit and the API see it: tasks, their runs,
//! timers and topic messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "task_status", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 5] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A row of `crm_tasks`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Task {
    pub id: Uuid,
    pub client_id: Uuid,
    pub topic: String,
    pub kind: String,
    pub payload: Value,
    pub status: TaskStatus,
    pub priority: i32,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_by: Option<String>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub result: Option<Value>,
    pub last_error: Option<String>,
    pub created_by: String,
    pub dedupe_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The stored human instruction a `strategic.instruct` task carries out.
    pub instruction_id: Option<Uuid>,
}

/// One attempt at a task (a row of `crm_task_runs`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TaskRun {
    pub id: i64,
    pub task_id: Uuid,
    pub kind: String,
    pub attempt: i32,
    pub instance: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub error: Option<String>,
    /// Model tokens (in and out) this attempt spent.
    pub tokens: Option<i64>,
}

impl TaskRun {
    pub fn duration_ms(&self) -> Option<i64> {
        self.finished_at
            .map(|f| (f - self.started_at).num_milliseconds())
    }
}

/// A message posted on a topic (a row of `crm_topic_messages`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TopicMessage {
    pub id: i64,
    pub topic: String,
    pub body: Value,
    pub task_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// How many tasks of one kind are in one status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct QueueDepth {
    pub kind: String,
    pub status: TaskStatus,
    pub count: i64,
}

/// A timer as the Arlo page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimerView {
    pub kind: String,
    pub schedule: String,
    pub last_tick: Option<DateTime<Utc>>,
    pub next_run: DateTime<Utc>,
}

/// Everything the Arlo page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArloOverview {
    pub depth: Vec<QueueDepth>,
    pub runs: Vec<TaskRun>,
    pub failed: Vec<Task>,
    pub timers: Vec<TimerView>,
    pub messages: Vec<TopicMessage>,
    /// Model tokens spent today (the client's day).
    pub tokens_today: crate::TokenUse,
    /// The client's daily token budget; None when no model is configured.
    pub daily_tokens: Option<u64>,
    /// The engines serving the client's database, latest check-in first.
    pub engines: Vec<EngineCheckin>,
    /// Other agents' latest calls over MCP, newest first.
    pub agent_calls: Vec<AgentCall>,
}

/// One tool call or resource read another agent made over MCP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AgentCall {
    pub id: i64,
    pub agent: String,
    pub tool: String,
    pub ok: bool,
    pub summary: String,
    pub duration_ms: i32,
    pub task_id: Option<Uuid>,
    pub called_at: DateTime<Utc>,
}

/// An engine serving the database (a server's own or a shared runner's),
/// as it last checked in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct EngineCheckin {
    pub instance: String,
    pub started_at: DateTime<Utc>,
    pub checked_in_at: DateTime<Utc>,
    pub version: String,
    /// Seconds since its last check-in, by the database's clock.
    pub silent_for: i64,
}

impl EngineCheckin {
    /// Silent this long, an engine has stopped (it checks in every few
    /// seconds).
    pub const STOPPED_AFTER_SECS: i64 = 120;

    pub fn stopped(&self) -> bool {
        self.silent_for > Self::STOPPED_AFTER_SECS
    }
}

/// When a timer ticks: every so many seconds, or daily at the client's
/// configured time in its time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    Every(i64),
    DailyPerClient,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerSpec {
    pub kind: &'static str,
    pub topic: &'static str,
    pub schedule: Schedule,
}

pub const TIMERS: [TimerSpec; 7] = [
    // A backup of the whole database into the file store, when
    // `REDKEY_BACKUP_KEEP` asks for them (taken by one client's task).
    TimerSpec {
        kind: "database.backup",
        topic: "roles.crm",
        schedule: Schedule::DailyPerClient,
    },
    // Asks Resend about a client's sending domain until it is verified.
    TimerSpec {
        kind: "email.domain_check",
        topic: "roles.crm",
        schedule: Schedule::DailyPerClient,
    },
    TimerSpec {
        kind: "enrichment.scan",
        topic: "roles.crm",
        schedule: Schedule::Every(3600),
    },
    TimerSpec {
        kind: "mailbox.sync",
        topic: "roles.crm",
        schedule: Schedule::Every(60),
    },
    TimerSpec {
        kind: "pipeline.health",
        topic: "roles.crm",
        schedule: Schedule::DailyPerClient,
    },
    TimerSpec {
        kind: "sequence.step",
        topic: "roles.crm",
        schedule: Schedule::Every(30),
    },
    TimerSpec {
        kind: "trash.purge",
        topic: "roles.crm",
        schedule: Schedule::Every(3600),
    },
];

impl Schedule {
    /// The start of the slot `now` falls in (for `Every`).
    pub fn slot_of(period: i64, now: DateTime<Utc>) -> DateTime<Utc> {
        let secs = now.timestamp().div_euclid(period) * period;
        DateTime::from_timestamp(secs, 0).unwrap_or(now)
    }

    pub fn describe(self) -> String {
        match self {
            Self::Every(s) if s % 3600 == 0 => format!("every {} h", s / 3600),
            Self::Every(s) => format!("every {s} s"),
            Self::DailyPerClient => "daily, at the client's time".into(),
        }
    }
}

/// A topic name: dot-separated lowercase words (`roles.exec`).
pub fn valid_topic(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 100
        && t.starts_with(|c: char| c.is_ascii_lowercase())
        && !t.ends_with('.')
        && !t.contains("..")
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}
