//! Every request's handling runs to its end, even when the client hangs up.
//!
//! Hyper drops a request's future when its connection closes. Dropped in
//! the middle of a page, the render's reactive owner was disposed while
//! the page's data loads, spawned apart from it, ran on and touched it: a
//! panic in a detached task, and what that task held was never freed (seen
//! under load when the load generator stopped mid-request). Run as a task
//! of its own, a request ends as it would have with the client there; the
//! work is one request's, bounded by the statement timeout, so a client
//! that hangs up costs at most what it asked for. A panic in a handler
//! becomes a 500 instead of a closed connection.

use axum::{
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn run(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "a request's handling panicked");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
