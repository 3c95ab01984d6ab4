//! Connecting a mailbox with OAuth: `/oauth/mail/{provider}/start` sends
//! the signed-in person to the provider to consent (a random state kept in
//! their session), `/oauth/mail/callback` checks the state, exchanges the
//! code for a refresh token and connects the mailbox as theirs, the token
//! sealed. Both are pages behind the sign-in gate.

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension,
};
use redkey_data::{sources, Actor, ClientId};
use redkey_types::{EmailAddress, SourceKind};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower_sessions::Session;

use super::AppState;
use app::ssr::session::Checked;

const PENDING: &str = "mail_oauth_pending";

#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    provider: String,
    address: String,
}

#[derive(Deserialize)]
pub struct Start {
    address: String,
}

#[derive(Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

fn base(state: &AppState, headers: &HeaderMap) -> String {
    state.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        format!("http://{host}")
    })
}

pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(q): Query<Start>,
    headers: HeaderMap,
    session: Session,
) -> Response {
    let Some(p) = state.mail_oauth.iter().find(|p| p.name == provider) else {
        return refuse(StatusCode::NOT_FOUND, "no such mail provider");
    };
    let Ok(address) = EmailAddress::parse(q.address.trim()) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "give the mailbox's email address",
        );
    };
    let mut random = [0u8; 24];
    getrandom::fill(&mut random).expect("the OS has randomness");
    let pending = Pending {
        state: hex::encode(random),
        provider: p.name.clone(),
        address: address.as_str().to_string(),
    };
    if session.insert(PENDING, &pending).await.is_err() {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again");
    }
    let redirect = format!(
        "{}/oauth/mail/callback",
        base(&state, &headers).trim_end_matches('/')
    );
    let Ok(mut url) = reqwest::Url::parse(&p.auth_url) else {
        return refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the provider's address is not a URL",
        );
    };
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", &redirect)
        .append_pair("scope", &p.scope)
        .append_pair("state", &pending.state)
        .append_pair("access_type", "offline")
        .append_pair("prompt", "consent")
        .append_pair("login_hint", &pending.address);
    Redirect::to(url.as_str()).into_response()
}

#[derive(Deserialize)]
struct Tokens {
    #[serde(default)]
    refresh_token: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    Query(q): Query<Callback>,
    headers: HeaderMap,
    session: Session,
    Extension(Checked(me)): Extension<Checked>,
) -> Response {
    let pending: Option<Pending> = session.remove(PENDING).await.ok().flatten();
    let Some(pending) = pending.filter(|p| q.state.as_deref() == Some(p.state.as_str())) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "this consent was not asked for here; start again",
        );
    };
    if let Some(e) = q.error {
        return refuse(StatusCode::BAD_REQUEST, &format!("the provider said: {e}"));
    }
    let (Some(code), Some(p), Some(store)) = (
        q.code,
        state.mail_oauth.iter().find(|p| p.name == pending.provider),
        state.secrets.as_ref(),
    ) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "no code, no such provider, or no secret key",
        );
    };
    let redirect = format!(
        "{}/oauth/mail/callback",
        base(&state, &headers).trim_end_matches('/')
    );
    let secret = p.client_secret.expose_secret();
    let exchanged = reqwest::Client::new()
        .post(&p.token_url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect.as_str()),
            ("client_id", p.client_id.as_str()),
            ("client_secret", secret),
        ])
        .send()
        .await;
    let tokens: Tokens = match exchanged {
        Ok(r) if r.status().is_success() => match r.json().await {
            Ok(t) => t,
            Err(_) => {
                return refuse(
                    StatusCode::BAD_GATEWAY,
                    "the provider's answer is not readable",
                )
            }
        },
        Ok(r) => {
            return refuse(
                StatusCode::BAD_GATEWAY,
                &format!("the provider refused the code ({})", r.status()),
            )
        }
        Err(_) => return refuse(StatusCode::BAD_GATEWAY, "the provider is unreachable"),
    };
    let Some(refresh_token) = tokens.refresh_token else {
        return refuse(
            StatusCode::BAD_GATEWAY,
            "the provider gave no refresh token; consent again",
        );
    };
    let settings = json!({
        "host": p.imap_host, "port": p.imap_port, "security": "tls",
        "username": pending.address, "address": pending.address, "auth": "xoauth2",
        "token_url": p.token_url, "client_id": p.client_id,
    });
    let credential = json!({ "refresh_token": refresh_token, "client_secret": secret }).to_string();
    let stored = async {
        let mut tx = state
            .db
            .begin(ClientId(me.client), Actor::User(me.user))
            .await?;
        let name = format!("{} mailbox {}", p.name, pending.address);
        let source =
            sources::create_owned(&mut tx, SourceKind::Imap, &name, &settings, Some(me.user))
                .await?;
        sources::set_secret(&mut tx, store, source.id, &credential).await?;
        tx.commit().await
    };
    match stored.await {
        Ok(()) => Redirect::to("/settings/sources").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "OAuth mailbox not stored");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "try again")
        }
    }
}
