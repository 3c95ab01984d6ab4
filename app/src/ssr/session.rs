//! The signed-in user, kept in the tower-sessions session, and the
//! transaction every cockpit server function runs in.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use super::db::{Actor, ClientId, Db, DbError, Tx};
use crate::model::AppError;

const KEY: &str = "signed_in";
/// However active, a session ends this long after sign-in.
pub const ABSOLUTE_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedIn {
    pub user: Uuid,
    pub name: String,
    pub email: String,
    pub client: Uuid,
    pub since: i64,
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer");
        AppError::Internal
    })
}

/// The signed-in user of this request, if any (and not past the absolute
/// lifetime, which ends the session).
pub async fn current(session: &Session) -> Result<Option<SignedIn>, AppError> {
    let s: Option<SignedIn> = session.get(KEY).await.map_err(internal)?;
    match s {
        Some(s) if Utc::now().timestamp() - s.since > ABSOLUTE_LIFETIME.as_secs() as i64 => {
            session.flush().await.map_err(internal)?;
            Ok(None)
        }
        other => Ok(other),
    }
}

pub async fn store(session: &Session, s: &SignedIn) -> Result<(), AppError> {
    session.insert(KEY, s).await.map_err(internal)
}

/// The signed-in user, or `NotSignedIn`.
pub async fn require() -> Result<SignedIn, AppError> {
    current(&session().await?)
        .await?
        .ok_or(AppError::NotSignedIn)
}

/// A transaction as the signed-in person (`redkey_human`) in their current
/// client.
pub async fn human_tx() -> Result<(Tx, SignedIn), AppError> {
    let me = require().await?;
    let db = leptos::prelude::use_context::<Db>().ok_or(AppError::Internal)?;
    let tx = db.begin(ClientId(me.client), Actor::User(me.user)).await?;
    Ok((tx, me))
}

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session store");
    AppError::Internal
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            DbError::FieldForbidden { ref column, .. } => AppError::Invalid {
                field: Some(column.clone()),
                message: e.to_string(),
            },
            DbError::Forbidden(_) | DbError::NoAuthority(_) => AppError::Forbidden(e.to_string()),
            DbError::Conflict(m) => AppError::Conflict(m),
            DbError::Invalid(m) => AppError::Invalid {
                field: None,
                message: m,
            },
            DbError::Sql(e) => {
                tracing::error!(error = %e, "database error");
                AppError::Internal
            }
        }
    }
}
