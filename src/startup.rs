//! Builds the application and serves it until Ctrl-C or SIGTERM.

use std::{net::SocketAddr, sync::Arc};

use anyhow::{anyhow, Context};
use app::{
    shell,
    ssr::{cockpit::CockpitConfig, db::Db, throttle::SignInThrottle},
    App,
};
use axum::{
    extract::{DefaultBodyLimit, FromRef},
    middleware,
    routing::{get, post},
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::{admin, config::Settings, email::EmailService, engine::Engine, http, pg::Cluster};

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub cockpit: CockpitConfig,
    pub throttle: SignInThrottle,
    /// Set `Secure` on the session cookie (served over https).
    pub secure_cookies: bool,
    /// Outbound email, when any client has an account configured.
    pub email: Option<Arc<EmailService>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

/// Sessions idle this long end.
const IDLE_EXPIRY: time::Duration = time::Duration::hours(12);

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let (db, cockpit, throttle) = (
        state.db.clone(),
        state.cockpit.clone(),
        state.throttle.clone(),
    );
    let options = state.leptos_options.clone();
    let store = PostgresStore::new(state.db.pool().clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name("redkey_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_expiry(Expiry::OnInactivity(IDLE_EXPIRY));
    Router::new()
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .merge(http::api::router())
        .route(
            "/webhooks/resend/{client}",
            post(http::webhooks::resend).layer(DefaultBodyLimit::max(http::webhooks::BODY_LIMIT)),
        )
        .route(
            "/u/{token}",
            get(http::unsubscribe::confirm_page)
                .post(http::unsubscribe::one_click)
                .layer(DefaultBodyLimit::max(4096)),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(db.clone());
                provide_context(cockpit.clone());
                provide_context(throttle.clone());
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(http::errors::server_fn_status))
        .layer(middleware::from_fn(http::guard::require_sign_in))
        .layer(sessions)
        .layer(middleware::from_fn(http::guard::same_origin))
        .with_state(state)
}

pub struct ServeOptions {
    /// Seed the demo clients when the database holds none.
    pub demo: bool,
}

/// The whole `serve` command: database (private or given), migrations,
/// optional demo data, then HTTP until a shutdown signal.
pub async fn serve(settings: Settings, opts: ServeOptions) -> anyhow::Result<()> {
    // Bind first: a taken port should fail before anything else starts.
    let listener = TcpListener::bind(settings.listen).await.map_err(|e| {
        anyhow!(
            "cannot listen on {}: {}",
            settings.listen,
            admin::one_line(&e)
        )
    })?;

    let (owner_url, cluster) = match &settings.database {
        Some(url) => (url.clone(), None),
        None => {
            let dir = settings.data_dir.join("pg");
            let cluster = tokio::task::spawn_blocking(move || Cluster::start(&dir)).await??;
            tracing::info!(port = cluster.port, "private Postgres cluster running");
            let url = crate::config::DatabaseUrl::parse(
                "the private cluster URL",
                cluster.url("redkey").into(),
            )?;
            let admin_url = crate::config::DatabaseUrl::parse(
                "the private cluster URL",
                cluster.url("postgres").into(),
            )?;
            let admin_pool = admin::connect(&admin_url, 1).await?;
            admin::ensure_database(&mut *admin_pool.acquire().await?, "redkey").await?;
            admin_pool.close().await;
            (url, Some(cluster))
        }
    };
    let result = run(&settings, &owner_url, listener, opts).await;
    if let Some(c) = cluster {
        tracing::info!("stopping the private Postgres cluster");
        if let Err(e) = c.stop() {
            tracing::warn!(error = %e, "could not stop the private cluster");
        }
    }
    result
}

async fn run(
    settings: &Settings,
    owner_url: &crate::config::DatabaseUrl,
    listener: TcpListener,
    opts: ServeOptions,
) -> anyhow::Result<()> {
    let owner = admin::owner_pool(owner_url).await?;
    admin::migrate(&owner).await?;
    let serving = admin::connect(&settings.serving_url(owner_url), 16).await?;
    let db = Db::connect(serving)
        .await
        .context("cannot open the data layer")?;
    if opts.demo && admin::clients(&owner).await?.is_empty() {
        admin::seed::seed(&owner, &db).await?;
        tracing::info!("demo data loaded");
    }
    owner.close().await;

    let addr: SocketAddr = listener.local_addr()?;
    spawn_session_cleanup(db.pool().clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let state = app_state(settings, db.clone(), addr)?;
    let engine = if settings.engine.enabled {
        let engine = Engine::new(db.clone(), settings.engine.clone(), state.email.clone())?;
        Some(tokio::spawn(engine.run(stopped, ENGINE_GRACE)))
    } else {
        None
    };
    let app = router(state);
    println!("RedKey cockpit: http://{addr}");
    if opts.demo {
        println!(
            "Demo sign-in: {} / {}",
            admin::seed::DEMO_EMAIL,
            admin::seed::DEMO_PASSWORD
        );
    }
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error");
    let _ = stop.send(true);
    if let Some(engine) = engine {
        let _ = engine.await;
    }
    served
}

/// How long running tasks get to finish at shutdown before they are
/// given back to the queue.
const ENGINE_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Everything the routes share, from the settings.
pub fn app_state(settings: &Settings, db: Db, addr: SocketAddr) -> anyhow::Result<AppState> {
    let email = if settings.email.accounts.is_empty() {
        None
    } else {
        let public = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        Some(Arc::new(EmailService::new(settings.email.clone(), public)?))
    };
    Ok(AppState {
        email,
        leptos_options: LeptosOptions::builder()
            .output_name("redkey")
            .site_root(settings.site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build(),
        db,
        cockpit: CockpitConfig {
            twenty_url: settings.twenty_url.clone(),
            retired: settings.retired.clone(),
            senders: settings
                .email
                .accounts
                .iter()
                .map(|a| (a.client.clone(), a.from.clone()))
                .collect(),
        },
        throttle: SignInThrottle::default(),
        secure_cookies: settings
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://")),
    })
}

/// Deletes expired sessions hourly.
fn spawn_session_cleanup(pool: sqlx::PgPool) {
    use tower_sessions::ExpiredDeletion;
    tokio::spawn(async move {
        let store = PostgresStore::new(pool);
        if let Err(e) = store
            .continuously_delete_expired(std::time::Duration::from_secs(3600))
            .await
        {
            tracing::warn!(error = %e, "session clean-up stopped");
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
