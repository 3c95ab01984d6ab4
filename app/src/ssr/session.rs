//! The signed-in user, kept in the tower-sessions session, and the
//! transaction every cockpit server function runs in.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    time::Duration,
};

use axum::extract::ConnectInfo;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use super::db::{Actor, ClientId, Db, DbError, Tx};
use super::page_reads::{read_as, ReadTx};
use crate::model::AppError;

pub const KEY: &str = "signed_in";
/// Set by the session store on a session due to have its expiry moved;
/// taking it off makes the session save (see the store's `load`).
pub const EXTEND: &str = "extend";
/// However active, a session ends this long after sign-in.
pub const ABSOLUTE_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedIn {
    pub user: Uuid,
    pub name: String,
    pub email: String,
    pub client: Uuid,
    /// When the person signed in: sessions older than a password change
    /// or a disabling are over.
    pub since: DateTime<Utc>,
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer");
        AppError::Internal
    })
}

/// The signed-in user of this request, if any. The session store checks
/// against the database as it loads the session (one query), so disabling
/// a user, removing them from the client or changing their password ends
/// the session at once; the absolute lifetime ends it here. A session that
/// no longer stands, or one stored in an older shape, is emptied. One the
/// store marked due is saved with a new expiry as the response goes out.
pub async fn current(session: &Session) -> Result<Option<SignedIn>, AppError> {
    let Ok(Some(s)) = session.get::<SignedIn>(KEY).await else {
        return Ok(None);
    };
    let expired =
        Utc::now() - s.since > chrono::Duration::from_std(ABSOLUTE_LIFETIME).unwrap_or_default();
    if expired {
        session.flush().await.map_err(internal)?;
        return Ok(None);
    }
    if session.get_value(EXTEND).await.map_err(internal)?.is_some() {
        session.remove_value(EXTEND).await.map_err(internal)?;
    }
    Ok(Some(s))
}

/// The address this request came from (the TCP peer); unspecified when
/// the server runs without connection info.
pub async fn client_address() -> IpAddr {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

pub async fn store(session: &Session, s: &SignedIn) -> Result<(), AppError> {
    session.insert(KEY, s).await.map_err(internal)
}

/// A session the request's gate has already checked against the database,
/// so the server functions a page calls do not check it again.
#[derive(Clone, Debug)]
pub struct Checked(pub SignedIn);

/// The signed-in user, or `NotSignedIn`.
pub async fn require() -> Result<SignedIn, AppError> {
    // Read in place: extracting would copy the request's whole head.
    let checked = leptos::prelude::with_context::<http::request::Parts, _>(|parts| {
        parts.extensions.get::<Checked>().map(|c| c.0.clone())
    })
    .flatten();
    if let Some(me) = checked {
        return Ok(me);
    }
    current(&session().await?)
        .await?
        .ok_or(AppError::NotSignedIn)
}

/// A transaction as the signed-in person (`redkey_human`) in their current
/// client.
pub async fn human_tx() -> Result<(Tx, SignedIn), AppError> {
    let me = require().await?;
    let db = leptos::prelude::use_context::<Db>().ok_or(AppError::Internal)?;
    super::page_reads::release_for_write();
    let tx = db.begin(ClientId(me.client), Actor::User(me.user)).await?;
    Ok((tx, me))
}

/// A transaction to read in as the signed-in person: during a page render,
/// the one every read of the page shares (see `page_reads`).
pub async fn human_read() -> Result<(ReadTx, SignedIn), AppError> {
    let me = require().await?;
    Ok((read_as(&me).await?, me))
}

fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "session store");
    AppError::Internal
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        super::page_reads::spoil();
        match e {
            DbError::NotFound => AppError::NotFound,
            DbError::FieldForbidden { ref column, .. } => AppError::Invalid {
                field: Some(column.clone()),
                message: e.to_string(),
            },
            DbError::Forbidden(ref m) => {
                tracing::warn!(error = %m, "refused by the database");
                AppError::Forbidden("you may not change this".into())
            }
            DbError::NoAuthority(m) => AppError::Forbidden(m),
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
