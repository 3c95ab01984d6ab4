//! `/api/v1`: the HTTP API other agents use (the executive assistant
//! creates tasks on `roles.crm` from conversation and reads topics).
//! Bearer tokens per agent, scoped to one client; every error has the
//! shape `{"error": {"code", "message", "field"?}}`.

use std::collections::HashMap;

use axum::{
    extract::{
        rejection::JsonRejection, DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query,
        Request, State,
    },
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use chrono::{DateTime, Utc};
use redkey_data::{
    tasks::{self, Enqueued, NewTask},
    tokens::{self, ApiToken},
    Actor, DbError, Tx,
};
use redkey_types::{kinds::TaskPayload, valid_topic, Task, TopicMessage};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::AppState;

/// Request bodies above this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;
const OPENAPI: &str = include_str!("openapi.json");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tasks", post(create_task))
        .route("/api/v1/tasks/{id}", get(get_task))
        .route("/api/v1/topics/{topic}/messages", get(messages))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/{*rest}", axum::routing::any(unknown))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// Every API error.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized(&'static str),
    BadRequest(String),
    Invalid {
        field: Option<String>,
        message: String,
    },
    NotFound,
    Conflict(String),
    TooLarge,
    UnsupportedMediaType,
    Internal,
}

impl ApiError {
    fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: Some(field.into()),
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = match self {
            Self::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "unauthorized", m.into(), None),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m, None),
            Self::Invalid { field, message } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid", message, field)
            }
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found", "not found".into(), None),
            Self::Conflict(m) => (StatusCode::CONFLICT, "conflict", m, None),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is over {BODY_LIMIT} bytes"),
                None,
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send Content-Type: application/json".into(),
                None,
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong on our side".into(),
                None,
            ),
        };
        let mut error = json!({ "code": code, "message": message });
        if let Some(f) = field {
            error["field"] = json!(f);
        }
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("valid"));
        }
        response
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => Self::NotFound,
            DbError::Conflict(m) => Self::Conflict(m),
            DbError::Invalid(m) => Self::Invalid {
                field: None,
                message: m,
            },
            other => {
                tracing::error!(error = %other, "API request failed");
                Self::Internal
            }
        }
    }
}

/// A JSON body whose rejections use the API's error shape: malformed JSON
/// is 400, well-formed JSON of the wrong shape 422.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::Invalid {
                field: None,
                message: e.body_text(),
            }),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::BadRequest(e.body_text())),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::TooLarge),
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}

/// The calling agent, from `Authorization: Bearer <token>`.
pub struct Agent(pub ApiToken);

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized("send Authorization: Bearer <token>"))?;
        let found = tokens::find(&state.db, token).await?;
        found
            .map(Agent)
            .ok_or(ApiError::Unauthorized("the token is unknown or revoked"))
    }
}

impl Agent {
    async fn tx(&self, state: &AppState) -> Result<Tx, ApiError> {
        Ok(state.db.begin(self.0.client(), Actor::Agent).await?)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    pub topic: String,
    pub kind: String,
    #[serde(default)]
    pub payload: Option<Value>,
    #[serde(default)]
    pub priority: Option<i32>,
    #[serde(default)]
    pub run_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub max_attempts: Option<i32>,
    #[serde(default)]
    pub dedupe_key: Option<String>,
}

impl CreateTask {
    /// Checks every field, naming the first bad one.
    fn validate(self, agent: &str) -> Result<NewTask, ApiError> {
        if !valid_topic(&self.topic) {
            return Err(ApiError::invalid(
                "topic",
                "a topic is dot-separated lowercase words, like roles.crm",
            ));
        }
        if !TaskPayload::is_public(&self.kind) {
            return Err(ApiError::invalid(
                "kind",
                format!("{:?} is not a kind of task arlo runs", self.kind),
            ));
        }
        let payload = self.payload.unwrap_or_else(|| json!({}));
        // Refused now, naming the field, rather than queued to fail later.
        TaskPayload::decode(&self.kind, &payload)
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
            .is_some_and(|k| k.is_empty() || k.len() > 200)
        {
            return Err(ApiError::invalid("dedupe_key", "1 to 200 characters"));
        }
        Ok(NewTask {
            topic: self.topic,
            kind: self.kind,
            payload,
            priority,
            run_at: self.run_at,
            max_attempts: self.max_attempts,
            dedupe_key: self.dedupe_key,
            created_by: format!("agent:{agent}"),
        })
    }
}

/// 201 with the new task, or 200 with the unfinished task that already
/// holds the dedupe key.
async fn create_task(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(body): ApiJson<CreateTask>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let new = body.validate(&agent.0.agent)?;
    let mut tx = agent.tx(&state).await?;
    let done = tasks::enqueue(&mut tx, &new).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(match done {
        Enqueued::Created(t) => (StatusCode::CREATED, Json(t)),
        Enqueued::Existing(t) => (StatusCode::OK, Json(t)),
    })
}

async fn get_task(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<Json<Task>, ApiError> {
    // A malformed id names no task, like another client's.
    let id: Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    let mut tx = agent.tx(&state).await?;
    Ok(Json(tasks::get(&mut tx, id).await?))
}

#[derive(Serialize)]
struct MessagePage {
    messages: Vec<TopicMessage>,
    /// Pass as `after` to read on.
    next_after: i64,
}

async fn messages(
    State(state): State<AppState>,
    agent: Agent,
    Path(topic): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<MessagePage>, ApiError> {
    if !valid_topic(&topic) {
        return Err(ApiError::invalid("topic", "not a topic name"));
    }
    let number = |k: &str, default: i64, range: std::ops::RangeInclusive<i64>| match q.get(k) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    k,
                    format!("a whole number from {} to {}", range.start(), range.end()),
                )
            }),
    };
    let after = number("after", 0, 0..=i64::MAX)?;
    let limit = number("limit", 100, 1..=500)?;
    let mut tx = agent.tx(&state).await?;
    let messages = tasks::messages(&mut tx, Some(&topic), after, limit).await?;
    let next_after = messages.last().map(|m| m.id).unwrap_or(after);
    Ok(Json(MessagePage {
        messages,
        next_after,
    }))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn unknown() -> ApiError {
    ApiError::NotFound
}
