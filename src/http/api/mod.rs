//! `/api/v1`: the HTTP API other agents use (the executive assistant
//! creates tasks on `roles.crm` from conversation and reads topics).
//! Bearer tokens per agent, scoped to one client; every error has the
//! shape `{"error": {"code", "message", "field"?}}`.

pub mod auth;
mod errors;
mod tasks;
mod topics;

use axum::{
    extract::DefaultBodyLimit,
    http::header,
    response::IntoResponse,
    routing::{get, post},
    Router,
};

use super::AppState;
pub use errors::ApiError;

/// Request bodies above this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;
const OPENAPI: &str = include_str!("openapi.json");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tasks", post(tasks::create))
        .route("/api/v1/tasks/{id}", get(tasks::get))
        .route("/api/v1/topics/{topic}/messages", get(topics::messages))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/{*rest}", axum::routing::any(unknown))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn unknown() -> ApiError {
    ApiError::NotFound
}
