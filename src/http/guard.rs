//! Two gates in front of the cockpit: cookie-authenticated state changes
//! must come from our own origin, and pages need a signed-in user.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use app::ssr::page_reads::PageReads;
use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use http_body::{Frame, SizeHint};
use tower_sessions::Session;

/// Paths with their own rules (bearer tokens, signatures, one-click
/// unsubscribe from mail providers, public forms) or none at all.
const PUBLIC: [&str; 11] = [
    "/sign-in",
    "/invite/",
    "/api/v1/",
    "/mcp/",
    "/pkg/",
    "/healthz",
    "/readyz",
    "/favicon.svg",
    "/webhooks/",
    "/u/",
    "/ingest/",
];

fn is_public(path: &str) -> bool {
    PUBLIC
        .iter()
        .any(|p| path == p.trim_end_matches('/') || (p.ends_with('/') && path.starts_with(p)))
}

/// The request's Host header, or "" without one.
pub fn host_of(req: &Request) -> &str {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
}

/// Refuses a state-changing request whose Origin (or, lacking one, Referer)
/// is not this host: a cross-site form or fetch riding on the cookie.
pub async fn same_origin(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let path = req.uri().path();
    let exempt = path.starts_with("/api/v1/")
        || path == "/mcp"
        || path.starts_with("/mcp/")
        || path.starts_with("/webhooks/")
        || path.starts_with("/u/")
        || path.starts_with("/ingest/");
    if safe || exempt {
        return next.run(req).await;
    }
    let host = host_of(&req);
    let source = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let source_host = source
        .split("://")
        .nth(1)
        .map(|rest| rest.split('/').next().unwrap_or(""));
    if !host.is_empty() && source_host == Some(host) {
        next.run(req).await
    } else {
        (StatusCode::FORBIDDEN, "cross-origin request refused").into_response()
    }
}

/// The server functions a visitor without a session may call.
const OPEN_SERVER_FNS: [&str; 4] = [
    "/api/sign_in",
    "/api/current_user",
    "/api/invitation_info",
    "/api/accept_invitation",
];

/// Sends a visitor without a session to the sign-in page, and answers a
/// server-function call without one with 401 before its arguments are even
/// read. The checked session rides along in the request, so the server
/// functions behind it need not ask the database again.
pub async fn require_sign_in(session: Session, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let server_fn = super::errors::is_server_fn(&path);
    let page = req.method() == Method::GET && !path.starts_with("/api/");
    if is_public(&path) || OPEN_SERVER_FNS.contains(&path.as_str()) || !(server_fn || page) {
        return next.run(req).await;
    }
    match app::ssr::session::current(&session).await {
        Ok(Some(me)) => {
            req.extensions_mut().insert(app::ssr::session::Checked(me));
            if server_fn {
                return next.run(req).await;
            }
            let reads = PageReads::default();
            req.extensions_mut().insert(reads.clone());
            let (parts, body) = next.run(req).await.into_parts();
            Response::from_parts(parts, Body::new(ClosesReads { body, reads }))
        }
        _ if server_fn => {
            let body = serde_json::to_string(&app::model::AppError::NotSignedIn)
                .expect("an error serialises");
            (StatusCode::UNAUTHORIZED, body).into_response()
        }
        _ => {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            Redirect::to(&format!("/sign-in?next={}", encode(target))).into_response()
        }
    }
}

/// A page's body that ends the page's shared read transaction as it ends,
/// or as it is dropped when the client goes away.
struct ClosesReads {
    body: Body,
    reads: PageReads,
}

impl http_body::Body for ClosesReads {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let frame = Pin::new(&mut self.body).poll_frame(cx);
        if let Poll::Ready(None) = frame {
            self.reads.close();
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for ClosesReads {
    fn drop(&mut self) {
        self.reads.close();
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_paths_are_exactly_the_listed_ones() {
        assert!(is_public("/sign-in"));
        assert!(is_public("/pkg/redkey.js"));
        assert!(is_public("/u/abc"));
        assert!(!is_public("/sign-inx"));
        assert!(!is_public("/contacts"));
        assert!(!is_public("/"));
    }

    #[test]
    fn next_parameter_is_encoded() {
        assert_eq!(
            encode("/contacts?q=a b&x=1"),
            "/contacts%3Fq%3Da%20b%26x%3D1"
        );
    }
}
