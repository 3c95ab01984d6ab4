//! Builds the application and serves it until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use anyhow::{anyhow, Context};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::{
    admin,
    arlo::Arlo,
    config::{DatabaseUrl, Settings, APP_LOGIN_ROLE},
    engine::Engine,
    http::{self, AppState},
    pg::{Cluster, Kind},
};

pub struct ServeOptions {
    /// Seed the demo clients when the database holds none.
    pub demo: bool,
}

/// The whole `serve` command: database (private or given), migrations,
/// optional demo data, then HTTP until a shutdown signal.
pub async fn serve(settings: Settings, opts: ServeOptions) -> anyhow::Result<()> {
    // Bind first: a taken port should fail before anything else starts.
    let listener = bind(&settings).await?;

    let (owner_url, cluster) = match &settings.database.owner {
        Some(url) => (url.clone(), None),
        None => {
            let dir = settings.database.data_dir.join("pg");
            let cluster =
                tokio::task::spawn_blocking(move || Cluster::start(&dir, Kind::Kept)).await??;
            tracing::info!(port = cluster.port, "private Postgres cluster running");
            let url = DatabaseUrl::parse("the private cluster URL", cluster.url("redkey").into())?;
            let admin_url =
                DatabaseUrl::parse("the private cluster URL", cluster.url("postgres").into())?;
            let admin_pool = admin::connect(&admin_url, 1).await?;
            redkey_data::admin::ensure_database(&mut *admin_pool.acquire().await?, "redkey")
                .await?;
            admin_pool.close().await;
            (url, Some(cluster))
        }
    };
    let private_password = cluster
        .as_ref()
        .and_then(|c| c.password().map(String::from));
    // A private cluster keeps its own secret key beside its data, so the
    // cockpit can store credentials without any set-up.
    let mut settings = settings.clone();
    if cluster.is_some() && settings.secrets.key.is_none() {
        settings.secrets.key = Some(local_secret_key(&settings.database.data_dir)?.into());
    }
    let result = run(&settings, &owner_url, private_password, listener, opts).await;
    if let Some(c) = cluster {
        tracing::info!("stopping the private Postgres cluster");
        if let Err(e) = c.stop() {
            tracing::warn!(error = %e, "could not stop the private cluster");
        }
    }
    result
}

/// The key in `dir/secret.key`, made (readable by its owner only) on first
/// use.
fn local_secret_key(dir: &std::path::Path) -> anyhow::Result<String> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("secret.key");
    if let Ok(key) = std::fs::read_to_string(&path) {
        return Ok(key.trim().to_string());
    }
    std::fs::create_dir_all(dir)?;
    let key = redkey_data::secrets::SecretBox::generate_key();
    std::fs::write(&path, &key)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(key)
}

/// The settings with the model's and the enrichment provider's keys taken
/// from the secret store when the environment does not give them.
pub(crate) async fn with_stored_keys(
    settings: &Settings,
    owner: &sqlx::PgPool,
) -> anyhow::Result<Settings> {
    let mut s = settings.clone();
    let Some(store) = s.secrets.open()? else {
        return Ok(s);
    };
    let stored = |name: &'static str| redkey_data::secrets::product(owner, &store, name);
    if s.model.api_key.is_none() {
        s.model.api_key = stored("anthropic_api_key").await?.map(Into::into);
    }
    if s.enrichment.api_key.is_none() {
        s.enrichment.api_key = stored("enrichment_api_key").await?.map(Into::into);
    }
    Ok(s)
}

/// Serves with the owner credential `owner_url`. `private_password` is the
/// private cluster's: the serving login gets it too.
async fn run(
    settings: &Settings,
    owner_url: &DatabaseUrl,
    private_password: Option<String>,
    listener: TcpListener,
    opts: ServeOptions,
) -> anyhow::Result<()> {
    let owner = admin::owner_pool(owner_url).await?;
    admin::migrate(&owner).await.context("migration failed")?;
    let settings = &with_stored_keys(settings, &owner).await?;
    let serving_url = match private_password {
        Some(pw) => {
            redkey_data::admin::set_login_password(&owner, &pw).await?;
            owner_url.with_user(APP_LOGIN_ROLE, Some(&pw.into()))
        }
        None => settings.database.serving_url(owner_url),
    };
    let db = admin::serving_db(
        &settings.database,
        &serving_url,
        settings.database.max_connections,
    )
    .await?;
    if opts.demo && admin::clients(&owner).await?.is_empty() {
        admin::seed::seed(&owner, &db).await?;
        tracing::info!("demo data loaded");
    }
    if let Some(url) = &settings.cockpit.twenty_url {
        let clients: Vec<_> = admin::clients(&owner)
            .await?
            .into_iter()
            .map(|(id, _, _)| redkey_data::ClientId(id))
            .collect();
        crate::integrations::register_twenty(&db, &clients, url).await?;
    }
    let store = settings.secrets.open()?;
    let applied = admin::sources::apply(&db, &owner, store.as_ref(), &settings.sources).await?;
    if applied > 0 {
        tracing::info!(sources = applied, "sources from the config file applied");
    }
    owner.close().await;

    let addr: SocketAddr = listener.local_addr()?;
    http::session_store::spawn_cleanup(db.clone(), std::time::Duration::from_secs(3600));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let state = AppState::new(settings, db.clone(), addr)?;
    let engine = if settings.engine.enabled {
        let engine = Engine::new(db.clone(), settings.engine.clone(), state.email.clone())?
            .with_arlo(Arlo::from_settings(&settings.model, &settings.enrichment)?)
            .with_secrets(settings.secrets.open()?)
            .with_backups(owner_url.clone(), state.files.clone())
            .with_listener(settings.database.listen.clone());
        Some(tokio::spawn(engine.run(stopped, ENGINE_GRACE)))
    } else {
        None
    };
    let app = http::router(state);
    println!("RedKey cockpit: http://{addr}");
    if opts.demo {
        println!(
            "Demo sign-in: {} / {}",
            admin::seed::DEMO_EMAIL,
            admin::seed::DEMO_PASSWORD
        );
    }
    // Without TCP_NODELAY a response's last small write waited for the
    // client's delayed ACK (Nagle): 1 % of contact and deal pages took 40 ms
    // longer (bench-http, session 14: /deals/{id} p99 48.7 -> 10.8 ms).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "TCP_NODELAY not set on a connection");
        }
    });
    // The peer address is what sign-in throttling keys on.
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
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

/// The shared runner: engines for every listed database and `/readyz`,
/// until Ctrl-C or SIGTERM.
pub async fn run_runner(settings: Settings) -> anyhow::Result<()> {
    let listener = bind(&settings).await?;
    let runner = crate::runner::Runner::start(&settings, ENGINE_GRACE)?;
    println!(
        "RedKey runner: {} databases, /readyz on http://{}",
        runner.served().len(),
        listener.local_addr()?
    );
    let served = axum::serve(listener, runner.router())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    runner.stop().await;
    Ok(served?)
}

async fn bind(settings: &Settings) -> anyhow::Result<TcpListener> {
    let at = settings.cockpit.listen;
    TcpListener::bind(at)
        .await
        .map_err(|e| anyhow!("cannot listen on {at}: {}", admin::one_line(&e)))
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
