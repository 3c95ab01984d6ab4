//! Body limits for the cockpit's server functions: sign-in takes a few
//! hundred bytes, the rest at most a megabyte. Uploads and imports get
//! their own routes with their own configured limits.

use axum::{
    body::Body,
    extract::Request,
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::Limited;

pub const SERVER_FN_LIMIT: usize = 1 << 20;
pub const SIGN_IN_LIMIT: usize = 64 << 10;
/// The server functions open without a session (their endpoints are
/// fixed): a stranger's body is held to the small limit.
pub const OPEN_PATHS: [&str; 3] = [
    "/api/sign_in",
    "/api/invitation_info",
    "/api/accept_invitation",
];

pub async fn server_fn_bodies(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let limit = if OPEN_PATHS.contains(&path) {
        SIGN_IN_LIMIT
    } else if super::errors::is_server_fn(path) {
        SERVER_FN_LIMIT
    } else {
        return next.run(req).await;
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    // A body without a length is cut off at the limit as it streams.
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(parts, Body::new(Limited::new(body, limit)));
    next.run(req).await
}

fn too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is over {limit} bytes"),
    )
        .into_response()
}
