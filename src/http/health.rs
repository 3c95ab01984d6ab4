use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use super::AppState;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and every migration this binary carries is applied.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let expected = crate::admin::latest_migration();
    match redkey_data::status(&state.db).await {
        Ok(s) if s.schema_version == expected => (
            StatusCode::OK,
            Json(json!({"status": "ready", "schema_version": s.schema_version})),
        ),
        Ok(s) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"status": "migrations pending", "schema_version": s.schema_version, "expected": expected}),
            ),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "database unreachable"})),
            )
        }
    }
}
