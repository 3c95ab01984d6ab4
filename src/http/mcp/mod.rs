//! `/mcp`: a Model Context Protocol server (Streamable HTTP, stateless)
//! for other agents, held to the agents' API's rules: the same bearer
//! tokens (one agent, one client), every tool through the data layer as
//! `redkey_agent` in the token's client, strategic changes only as a
//! stored instruction for arlo. Every call is logged for the Arlo page.

mod catalog;
mod resources;
mod tools;

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{Request, State},
    http::{header, request::Parts, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use redkey_data::{
    agent_calls::{self, NewCall},
    tokens::{self, ApiToken},
    Actor,
};
use rmcp::{
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
        ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
        ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
    },
    service::{RequestContext, RoleServer},
    transport::streamable_http_server::{
        session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
    },
    ErrorData, ServerHandler,
};
use serde_json::Value;
use uuid::Uuid;

use super::AppState;

/// A request body above this is refused with 413 (a tool's arguments are
/// a few short fields).
pub const BODY_LIMIT: usize = 64 * 1024;

/// `/mcp`, behind its own gate: the bearer token and the Origin.
pub fn router(state: AppState) -> Router<AppState> {
    let handler = Redkey {
        state: state.clone(),
    };
    let service = StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(LocalSessionManager::default()),
        // Stateless: any instance answers any request, as the API does.
        // The Host header is checked by the server's own gate.
        StreamableHttpServerConfig::default()
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .with_sse_keep_alive(None)
            .disable_allowed_hosts()
            .with_max_request_body_bytes(BODY_LIMIT),
    );
    Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn_with_state(state, gate))
}

/// Refuses a request without a live token (401, as the API) or from a
/// browser page of another origin (403: a page must not drive an agent's
/// token through a visitor's browser).
async fn gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        if !own_origin(
            origin,
            super::guard::host_of(&req),
            state.public_url.as_deref(),
        ) {
            return (StatusCode::FORBIDDEN, "this origin may not call /mcp").into_response();
        }
    }
    let presented = super::api::auth::bearer(req.headers());
    let refused = |why: &'static str| {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            why,
        )
            .into_response()
    };
    let Some(presented) = presented else {
        return refused("send Authorization: Bearer <token>");
    };
    match tokens::find(&state.db, presented).await {
        Ok(Some(token)) => {
            req.extensions_mut().insert(token);
            let json = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json"));
            let res = next.run(req).await;
            if json {
                unparsable_is_bad_request(res)
            } else {
                res
            }
        }
        Ok(None) => refused("the token is unknown or revoked"),
        Err(e) => {
            tracing::error!(error = %e, "checking an MCP token");
            (StatusCode::SERVICE_UNAVAILABLE, "try again shortly").into_response()
        }
    }
}

/// A JSON body that is not JSON-RPC is a JSON-RPC parse error (400), not
/// the transport's 415 with a bare line of text.
fn unparsable_is_bad_request(res: Response) -> Response {
    if res.status() != StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return res;
    }
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": -32700, "message": "the body is not a JSON-RPC message" },
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// The request's Origin is this server's: the public URL's, or (without
/// one) the Host the request was sent to.
fn own_origin(origin: &HeaderValue, host: &str, public_url: Option<&str>) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    match public_url {
        Some(url) => origin == url.trim_end_matches('/'),
        None => origin.split_once("://").is_some_and(|(_, h)| h == host),
    }
}

#[derive(Clone)]
struct Redkey {
    state: AppState,
}

/// The calling agent, as the gate found it.
fn caller(context: &RequestContext<RoleServer>) -> Result<ApiToken, ErrorData> {
    context
        .extensions
        .get::<Parts>()
        .and_then(|p| p.extensions.get::<ApiToken>())
        .cloned()
        .ok_or_else(|| ErrorData::invalid_request("no agent token on this request", None))
}

/// What a tool or resource read came to, for its answer and the log.
pub(super) struct Outcome {
    result: Result<Value, String>,
    summary: String,
    task_id: Option<Uuid>,
}

impl Outcome {
    fn ok(value: Value, summary: impl Into<String>) -> Self {
        Self {
            result: Ok(value),
            summary: summary.into(),
            task_id: None,
        }
    }

    fn failed(message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            summary: message.clone(),
            result: Err(message),
            task_id: None,
        }
    }
}

impl Redkey {
    /// Records the call in the client's agent call log; a log that cannot
    /// be written never fails the call itself.
    async fn log(&self, token: &ApiToken, tool: &str, outcome: &Outcome, started: Instant) {
        let call = NewCall {
            agent: &token.agent,
            tool,
            ok: outcome.result.is_ok(),
            summary: &outcome.summary,
            duration_ms: started.elapsed().as_millis().min(i32::MAX as u128) as i32,
            task_id: outcome.task_id,
        };
        let logged = async {
            let mut tx = self.state.db.begin(token.client(), Actor::Agent).await?;
            agent_calls::record(&mut tx, &call).await?;
            tx.commit().await
        };
        if let Err(e) = logged.await {
            tracing::warn!(error = %e, tool, "recording an MCP call");
        }
    }
}

impl ServerHandler for Redkey {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("redkey", env!("CARGO_PKG_VERSION")))
        .with_instructions(catalog::INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        caller(&context)?;
        Ok(ListToolsResult::with_all_items(catalog::tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let token = caller(&context)?;
        let started = Instant::now();
        let name = request.name.to_string();
        let args = Value::Object(request.arguments.unwrap_or_default());
        let outcome = tools::call(&self.state, &token, &name, args).await;
        // An unknown tool's name is the caller's text: logged as such.
        let logged = if catalog::is_tool(&name) {
            name.as_str()
        } else {
            "unknown"
        };
        self.log(&token, logged, &outcome, started).await;
        Ok(match outcome.result {
            Ok(value) => {
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                let mut r = CallToolResult::success(vec![ContentBlock::text(text)]);
                r.structured_content = Some(value);
                r
            }
            Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
        }
        .into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        caller(&context)?;
        Ok(ListResourcesResult::with_all_items(resources::fixed()))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        caller(&context)?;
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let token = caller(&context)?;
        let started = Instant::now();
        let (logged, outcome) = resources::read(&self.state, &token, &request.uri).await;
        self.log(&token, logged, &outcome, started).await;
        match outcome.result {
            Ok(value) => Ok(resources::contents(&request.uri, &value).into()),
            Err(message) => Err(ErrorData::resource_not_found(message, None)),
        }
    }
}
