//! The calling agent, from its bearer token.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap},
};
use redkey_data::{
    tokens::{self, ApiToken},
    Actor, Tx,
};

use super::{ApiError, AppState};

/// The token of `Authorization: Bearer <token>`, if one is sent (the API
/// and `/mcp` read it alike).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The calling agent, from `Authorization: Bearer <token>`.
pub struct Agent(pub ApiToken);

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers)
            .ok_or(ApiError::Unauthorized("send Authorization: Bearer <token>"))?;
        let found = tokens::find(&state.db, token).await?;
        found
            .map(Agent)
            .ok_or(ApiError::Unauthorized("the token is unknown or revoked"))
    }
}

impl Agent {
    pub(super) async fn tx(&self, state: &AppState) -> Result<Tx, ApiError> {
        Ok(state.db.begin(self.0.client(), Actor::Agent).await?)
    }

    /// A transaction relaying a person's instruction: it may store the
    /// instruction and queue its task, and change nothing strategic.
    pub(super) async fn relay_tx(&self, state: &AppState) -> Result<Tx, ApiError> {
        Ok(state.db.begin(self.0.client(), Actor::Relay).await?)
    }
}
