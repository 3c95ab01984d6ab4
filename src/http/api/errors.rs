//! The API's one error shape, `{"error": {"code", "message", "field"?}}`,
//! and the JSON extractor whose rejections use it.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use redkey_data::DbError;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::BODY_LIMIT;

/// How long a caller past the queued limit is asked to wait.
const RETRY_AFTER_SECS: u32 = 30;

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
    /// A record the request names (in `field`) is not the client's.
    Missing {
        field: &'static str,
        message: &'static str,
    },
    Conflict(String),
    /// The client has this many tasks from agents queued: the limit.
    TooManyTasks {
        queued: i64,
    },
    TooLarge,
    UnsupportedMediaType,
    Internal,
}

impl ApiError {
    pub(super) fn invalid(field: &str, message: impl Into<String>) -> Self {
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
            Self::Missing { field, message } => (
                StatusCode::NOT_FOUND,
                "not_found",
                message.into(),
                Some(field.into()),
            ),
            Self::Conflict(m) => (StatusCode::CONFLICT, "conflict", m, None),
            Self::TooManyTasks { queued } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_tasks",
                format!("{queued} tasks from agents are queued for this client; try again later"),
                None,
            ),
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
        if status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, RETRY_AFTER_SECS.into());
        }
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
/// is 400, well-formed JSON of the wrong shape 422 naming the field, a
/// body that is not JSON 415, one over the limit 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadRequest(e.body_text())
            }
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return ApiError::BadRequest(format!("malformed JSON: {inner}"));
            }
            let message = inner.to_string();
            // serde names a missing field only in its message.
            let missing = message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next())
                .map(String::from);
            ApiError::Invalid {
                field: missing.or((field != ".").then_some(field)),
                message,
            }
        })?;
        de.end()
            .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
        Ok(Self(value))
    }
}

/// `application/json`, or a `+json` type, with any parameters.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}
