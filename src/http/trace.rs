//! One span per request: method, the route pattern (never the concrete
//! path, which can carry an unsubscribe token), status and duration.
//! Headers and bodies are not recorded, so cookies and bearer tokens never
//! reach the log.

use std::time::Duration;

use axum::{
    body::Body,
    extract::MatchedPath,
    http::{Request, Response},
};
use tower_http::{
    classify::{ServerErrorsAsFailures, SharedClassifier},
    trace::TraceLayer,
};
use tracing::Span;

pub type Layer = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    fn(&Request<Body>) -> Span,
    (),
    fn(&Response<Body>, Duration, &Span),
>;

pub fn layer() -> Layer {
    TraceLayer::new_for_http()
        .make_span_with(span as fn(&Request<Body>) -> Span)
        .on_request(())
        .on_response(record as fn(&Response<Body>, Duration, &Span))
}

fn span(req: &Request<Body>) -> Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("(unmatched)");
    tracing::info_span!(
        "request",
        method = %req.method(),
        route = %route,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    )
}

fn record(res: &Response<Body>, latency: Duration, span: &Span) {
    span.record("status", res.status().as_u16());
    span.record("duration_ms", latency.as_secs_f64() * 1000.0);
    tracing::debug!(parent: span, "answered");
}
