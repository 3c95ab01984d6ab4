//! `POST /api/v1/tasks` and `GET /api/v1/tasks/{id}`.

use axum::{
    extract::{rejection::PathRejection, Path, State},
    http::StatusCode,
    Json,
};
use chrono::{DateTime, Utc};
use redkey_data::{
    instructions,
    tasks::{self, Enqueued, NewTask},
    DbError,
};
use redkey_types::{kinds::TaskPayload, valid_topic, Task};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{auth::Agent, errors::ApiJson, ApiError, AppState};

/// The body of `POST /api/v1/tasks`. Optional fields may also be null.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    pub topic: String,
    pub kind: String,
    #[serde(default)]
    pub payload: Option<Value>,
    #[serde(default, deserialize_with = "whole_number")]
    pub priority: Option<i64>,
    #[serde(default)]
    pub run_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "whole_number")]
    pub max_attempts: Option<i64>,
    #[serde(default)]
    pub dedupe_key: Option<String>,
}

/// A JSON number with no fractional part, as JSON Schema's `integer` reads
/// it (`80.0` is one); range checks come after.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        _ => Err(serde::de::Error::custom(format!(
            "{n} is not a whole number"
        ))),
    }
}

impl CreateTask {
    /// Checks every field, naming the first bad one.
    fn validate(self, agent: &str, test_kinds: bool) -> Result<(NewTask, TaskPayload), ApiError> {
        if !valid_topic(&self.topic) {
            return Err(ApiError::invalid(
                "topic",
                "a topic is dot-separated lowercase words, like roles.crm",
            ));
        }
        if !TaskPayload::creatable_by_agents(&self.kind, test_kinds) {
            return Err(ApiError::invalid(
                "kind",
                format!("{:?} is not a kind of task arlo runs", self.kind),
            ));
        }
        let payload = self.payload.unwrap_or_else(|| json!({}));
        // Refused now, naming the field, rather than queued to fail later.
        let decoded = TaskPayload::decode(&self.kind, &payload)
            .map_err(|e| ApiError::invalid(&e.field, e.message))?;
        let priority = self.priority.unwrap_or(0);
        if !(-100..=100).contains(&priority) {
            return Err(ApiError::invalid("priority", "between -100 and 100"));
        }
        if self.max_attempts.is_some_and(|m| !(1..=100).contains(&m)) {
            return Err(ApiError::invalid("max_attempts", "between 1 and 100"));
        }
        if self
            .dedupe_key
            .as_ref()
            .is_some_and(|k| k.is_empty() || k.chars().count() > 200 || k.contains('\0'))
        {
            return Err(ApiError::invalid(
                "dedupe_key",
                "1 to 200 characters, none of them NUL",
            ));
        }
        let task = NewTask {
            topic: self.topic,
            kind: self.kind,
            payload,
            priority: priority as i32,
            run_at: self.run_at,
            max_attempts: self.max_attempts.map(|m| m as i32),
            dedupe_key: self.dedupe_key,
            created_by: format!("agent:{agent}"),
            instruction_id: None,
        };
        Ok((task, decoded))
    }
}

/// 201 with the new task, or 200 with the unfinished task that already
/// holds the dedupe key.
pub(super) async fn create(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(body): ApiJson<CreateTask>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let (new, payload) = body.validate(&agent.0.agent, state.api.test_kinds)?;
    // An instruction is stored as the person the agent relays, with its
    // task, in one transaction; other kinds are the agent's own.
    let instruct = match payload {
        TaskPayload::StrategicInstruct(i) => Some(i),
        _ => None,
    };
    let mut tx = match instruct {
        Some(_) => agent.relay_tx(&state).await?,
        None => agent.tx(&state).await?,
    };
    if let Some(key) = &new.dedupe_key {
        if let Some(open) = tasks::open_with_key(&mut tx, key).await? {
            return Ok((StatusCode::OK, Json(open)));
        }
    }
    // One agent's flood must not bury the client's queue: past the limit,
    // ask the caller to come back later.
    let queued = tasks::queued_by_agents(&mut tx).await?;
    if queued >= state.api.queued_limit {
        // Release the client's queue lock now, not when the pool gets to it.
        tx.rollback().await?;
        return Err(ApiError::TooManyTasks { queued });
    }
    let done = match &instruct {
        Some(i) => {
            let given_by = format!("agent:{}", agent.0.agent);
            instructions::give(&mut tx, &given_by, i, new)
                .await
                .map_err(|e| match e {
                    DbError::NotFound => ApiError::Missing {
                        field: "payload.about",
                        message: "no such record: name one of this client's contacts, \
                                  companies or deals",
                    },
                    other => other.into(),
                })?
        }
        None => tasks::enqueue(&mut tx, &new).await?,
    };
    tx.commit().await.map_err(ApiError::from)?;
    Ok(match done {
        Enqueued::Created(t) => (StatusCode::CREATED, Json(t)),
        Enqueued::Existing(t) => (StatusCode::OK, Json(t)),
    })
}

pub(super) async fn get(
    State(state): State<AppState>,
    agent: Agent,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Task>, ApiError> {
    // A malformed id names no task, like another client's.
    let id: Uuid = id
        .ok()
        .and_then(|Path(id)| id.parse().ok())
        .ok_or(ApiError::NotFound)?;
    let mut tx = agent.tx(&state).await?;
    Ok(Json(tasks::get(&mut tx, id).await?))
}
