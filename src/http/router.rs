//! Every route of the server in one place: health, the agents' API, the
//! provider webhooks, one-click unsubscribe and the cockpit's pages and
//! server functions, behind the gates that apply to them.

use app::{shell, App};
use axum::{
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
    Router,
};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

use super::{
    api, archive, errors, export, files, form_posts, guard, health, hosts, import, ingest, limits,
    mail_oauth, mcp, session_store, to_the_end, trace, unsubscribe, webhooks, AppState,
};

/// Sessions idle this long end.
const IDLE_EXPIRY: time::Duration = time::Duration::hours(12);

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let (db, cockpit) = (state.db.clone(), state.cockpit.clone());
    let (secrets, boards) = (state.secrets.clone(), state.boards.clone());
    let mailer = state
        .email
        .clone()
        .map(|e| e as app::ssr::mailer::SharedMailer);
    let options = state.leptos_options.clone();
    let upload_limit = state.cockpit.upload_max_bytes as usize + (64 << 10);
    let import_limit = state.cockpit.import_max_bytes as usize + (64 << 10);
    let hosts = hosts::Hosts::new(state.public_url.as_deref());
    let store = session_store::CheckedStore::new(state.db.clone(), IDLE_EXPIRY);
    let sessions = SessionManagerLayer::new(store)
        .with_name("redkey_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_expiry(Expiry::OnInactivity(IDLE_EXPIRY));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(api::router())
        .merge(mcp::router(state.clone()))
        .route(
            "/webhooks/resend/{client}",
            post(webhooks::resend).layer(DefaultBodyLimit::max(webhooks::BODY_LIMIT)),
        )
        .route(
            "/webhooks/quill/{client}",
            post(ingest::quill::receive).layer(DefaultBodyLimit::max(ingest::quill::BODY_LIMIT)),
        )
        .route(
            "/ingest/forms/{key}",
            post(ingest::forms::submit)
                .options(ingest::forms::preflight)
                // Read whole, then measured: an oversized form gets its own answer.
                .layer(DefaultBodyLimit::max(4 * ingest::forms::BODY_LIMIT)),
        )
        .route(
            "/files/upload",
            // The form around the file needs a little more than the file.
            post(files::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/files/{id}", get(files::download))
        .route(
            "/import/upload",
            post(import::upload).layer(DefaultBodyLimit::max(import_limit)),
        )
        .route("/export/{file}", get(export::export))
        .route("/settings/export.zip", get(archive::download))
        .route("/settings/forget", post(archive::forget))
        .route("/oauth/mail/{provider}/start", get(mail_oauth::start))
        .route("/oauth/mail/callback", get(mail_oauth::callback))
        .route(
            "/u/{token}",
            get(unsubscribe::confirm_page)
                .post(unsubscribe::one_click)
                .layer(DefaultBodyLimit::max(4096)),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(db.clone());
                provide_context(cockpit.clone());
                provide_context(boards.clone());
                if let Some(store) = &secrets {
                    provide_context(store.clone());
                }
                if let Some(mailer) = &mailer {
                    provide_context(mailer.clone());
                }
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(errors::server_fn_status))
        .layer(middleware::from_fn(form_posts::mark_done))
        .layer(middleware::from_fn(guard::require_sign_in))
        .layer(middleware::from_fn(limits::server_fn_bodies))
        .layer(sessions)
        .layer(middleware::from_fn(guard::same_origin))
        .layer(middleware::from_fn_with_state(hosts, hosts::known_host))
        .layer(trace::layer())
        .layer(middleware::from_fn(to_the_end::run))
        .with_state(state)
}
