use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, Me};

/// Signs in and goes to `next` (a local path) or the pipeline.
#[server]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{db, db::password as hashing, session, throttle::SignInThrottle};
    use std::time::Instant;

    let throttle = use_context::<SignInThrottle>().ok_or(AppError::Internal)?;
    let db = use_context::<db::Db>().ok_or(AppError::Internal)?;
    let email = email.trim().to_string();
    if email.is_empty() {
        return Err(AppError::invalid("email", "enter your email address"));
    }
    if let Err(wait) = throttle.check(&email, Instant::now()) {
        return Err(AppError::Throttled {
            minutes: wait.as_secs().div_ceil(60),
        });
    }
    let user = db::users::by_email(&db, &email).await?;
    // Verify against a dummy hash when the user is unknown, so the timing
    // does not tell which emails exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.as_str())
        .unwrap_or(hashing::DUMMY_HASH);
    let ok = hashing::verify_password(&password, hash) && user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        throttle.failed(&email, Instant::now());
        return Err(AppError::invalid("password", "wrong email or password"));
    };
    let clients = db::users::clients_of(&db, user.id).await?;
    let Some(first) = clients.first() else {
        return Err(AppError::Forbidden(
            "this user belongs to no client yet".into(),
        ));
    };
    throttle.succeeded(&email);
    let s = session::session().await?;
    s.cycle_id().await.map_err(|_| AppError::Internal)?;
    session::store(
        &s,
        &session::SignedIn {
            user: user.id,
            name: user.display_name,
            email: user.email,
            client: first.id,
            since: chrono::Utc::now().timestamp(),
        },
    )
    .await?;
    let next =
        next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/sign-in"));
    leptos_axum::redirect(next.as_deref().unwrap_or("/pipeline"));
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    let s = crate::ssr::session::session().await?;
    s.flush().await.map_err(|_| AppError::Internal)?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Who is signed in, their clients, and the navigation; `None` for a
/// visitor (not an error: the sign-in page asks too).
#[server]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use crate::ssr::{cockpit::CockpitConfig, db, session};
    let Some(me) = session::current(&session::session().await?).await? else {
        return Ok(None);
    };
    let database = use_context::<db::Db>().ok_or(AppError::Internal)?;
    let config = use_context::<CockpitConfig>().unwrap_or_default();
    let clients = db::users::clients_of(&database, me.user).await?;
    let client = clients
        .iter()
        .find(|c| c.id == me.client)
        .cloned()
        .ok_or(AppError::NotSignedIn)?;
    Ok(Some(Me {
        name: me.name,
        email: me.email,
        client,
        clients,
        views: config.views(),
    }))
}

#[server]
pub async fn switch_client(client: Uuid) -> Result<(), AppError> {
    use crate::ssr::{db, session};
    let s = session::session().await?;
    let mut me = session::current(&s).await?.ok_or(AppError::NotSignedIn)?;
    let database = use_context::<db::Db>().ok_or(AppError::Internal)?;
    let clients = db::users::clients_of(&database, me.user).await?;
    if !clients.iter().any(|c| c.id == client) {
        return Err(AppError::NotFound);
    }
    me.client = client;
    session::store(&s, &me).await?;
    leptos_axum::redirect("/pipeline");
    Ok(())
}
