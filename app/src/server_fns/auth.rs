use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, Me};

/// Signs in and goes to `next` (a local path) or the pipeline.
/// Its endpoint is fixed: the server limits its body more tightly.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{db, hashing, session};

    let db = use_context::<db::Db>().ok_or(AppError::Internal)?;
    let email = email.trim().to_string();
    if email.is_empty() {
        return Err(AppError::invalid("email", "enter your email address"));
    }
    // Throttled per email and address in Postgres (every instance sees
    // it): only addresses that failed wait, so guessing elsewhere never
    // locks the real person out.
    let address = session::client_address().await;
    let wait = db::users::sign_in_wait(&db, &email, address).await?;
    if wait > 0 {
        return Err(AppError::Throttled {
            minutes: (wait as u64).div_ceil(60),
        });
    }
    let user = db::users::by_email(&db, &email).await?;
    // Verify against a dummy hash when the user is unknown, so the timing
    // does not tell which emails exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| db::password::DUMMY_HASH.to_string());
    let ok = hashing::verify(password, hash).await? && user.is_some();
    db::users::sign_in_outcome(&db, &email, address, ok).await?;
    let Some(user) = user.filter(|_| ok) else {
        return Err(AppError::invalid("password", "wrong email or password"));
    };
    let clients = db::users::clients_of(&db, user.id).await?;
    let Some(first) = clients.first() else {
        return Err(AppError::Forbidden(
            "this user belongs to no client yet".into(),
        ));
    };
    let s = session::session().await?;
    s.cycle_id().await.map_err(|_| AppError::Internal)?;
    session::store(
        &s,
        &session::SignedIn {
            user: user.id,
            name: user.display_name,
            email: user.email,
            client: first.id,
            since: chrono::Utc::now(),
        },
    )
    .await?;
    let next = next.as_deref().and_then(crate::model::safe_next);
    leptos_axum::redirect(next.unwrap_or(crate::model::LANDING));
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    crate::ssr::session::require().await?;
    let s = crate::ssr::session::session().await?;
    s.flush().await.map_err(|_| AppError::Internal)?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}

/// Who is signed in, their clients, and the navigation; `None` for a
/// visitor (not an error: the sign-in page asks too).
/// Its endpoint is fixed: it is one of the two open without a session.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use crate::ssr::{cockpit, db, page_reads, session};
    let Some(me) = session::current(&session::session().await?).await? else {
        return Ok(None);
    };
    let config = cockpit::config().unwrap_or_default();
    let mut tx = page_reads::read_as(&me).await?;
    let (clients, suggestions) = db::users::navigation(&mut tx, me.user).await?;
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
        suggestions,
    }))
}

#[server]
pub async fn switch_client(client: Uuid) -> Result<(), AppError> {
    use crate::ssr::{db, session};
    let s = session::session().await?;
    let database = use_context::<db::Db>().ok_or(AppError::Internal)?;
    let mut me = session::current(&s).await?.ok_or(AppError::NotSignedIn)?;
    let clients = db::users::clients_of(&database, me.user).await?;
    if !clients.iter().any(|c| c.id == client) {
        return Err(AppError::NotFound);
    }
    me.client = client;
    session::store(&s, &me).await?;
    leptos_axum::redirect("/pipeline");
    Ok(())
}
