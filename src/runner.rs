//! One arlo runner over many databases: each client on a database of its
//! own (or many on one), one process running the engine for all of them.
//!
//! Each database gets its own engine, pool (at most its
//! `max_connections`) and supervisor, so one that is down, slow or
//! unreachable from the start costs the others nothing: its supervisor
//! keeps reconnecting while the rest run. Tasks run with a turn from one
//! shared semaphore, handed out in order of asking, so a database with a
//! long queue waits its turn like the others instead of taking every
//! worker.

use std::{sync::Arc, time::Duration};

use anyhow::bail;
use axum::{extract::State, http::StatusCode, response::IntoResponse, routing::get, Json, Router};
use chrono::Utc;
use redkey_data::{engine, Db};
use serde_json::json;
use tokio::{
    sync::{watch, Semaphore},
    task::JoinSet,
};
use uuid::Uuid;

use crate::{
    arlo::Arlo,
    config::{RunnerDatabase, Settings},
    email::EmailService,
    engine::{health::Health, Engine},
};

/// What the runner knows of one database.
#[derive(Debug)]
pub struct Served {
    pub name: String,
    pub health: Arc<Health>,
    /// The slugs of the clients on it, read when it was last reached.
    clients: std::sync::Mutex<Vec<String>>,
}

pub struct Runner {
    served: Arc<Vec<Arc<Served>>>,
    stop: watch::Sender<bool>,
    supervisors: JoinSet<()>,
}

/// Longest wait between attempts to reach a database that is down.
const MOST_BETWEEN_TRIES: Duration = Duration::from_secs(30);

impl Runner {
    /// Starts an engine for every database `settings.runner` lists.
    pub fn start(settings: &Settings, grace: Duration) -> anyhow::Result<Self> {
        if settings.runner.databases.is_empty() {
            bail!("no databases to run (list them as [[runner.databases]] or REDKEY_RUNNER_DATABASES)");
        }
        let email = EmailService::from_settings(settings)?;
        let shared = Arc::new(Semaphore::new(settings.runner.workers));
        let (stop, stopped) = watch::channel(false);
        let mut supervisors = JoinSet::new();
        let mut served = Vec::new();
        for d in &settings.runner.databases {
            let one = Arc::new(Served {
                name: d.name.clone(),
                health: Arc::default(),
                clients: Default::default(),
            });
            served.push(one.clone());
            let run = Run {
                database: d.clone(),
                settings: settings.clone(),
                email: email.clone(),
                shared: shared.clone(),
                served: one,
                grace,
            };
            supervisors.spawn(run.supervise(stopped.clone()));
        }
        Ok(Self {
            served: Arc::new(served),
            stop,
            supervisors,
        })
    }

    pub fn served(&self) -> &[Arc<Served>] {
        &self.served
    }

    /// `/healthz`, and `/readyz` with each database's state.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(readyz))
            .with_state(self.served.clone())
    }

    /// Stops claiming everywhere and lets running tasks finish (each
    /// engine's grace), then returns.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.supervisors.join_next().await.is_some() {}
    }
}

/// Ready while every database answers; degraded (still 200, the detail
/// says which) while some do; 503 when none does.
async fn readyz(State(served): State<Arc<Vec<Arc<Served>>>>) -> impl IntoResponse {
    let databases: Vec<_> = served
        .iter()
        .map(|s| {
            let h = s.health.state();
            json!({
                "name": s.name,
                "clients": *s.clients.lock().expect("not poisoned"),
                "ok": h.ok,
                "last_ok_at": h.last_ok_at,
                "last_error": h.last_error,
                "last_error_at": h.last_error_at,
            })
        })
        .collect();
    let up = databases.iter().filter(|d| d["ok"] == true).count();
    let (code, status) = match up {
        n if n == databases.len() => (StatusCode::OK, "ready"),
        0 => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        _ => (StatusCode::OK, "degraded"),
    };
    (
        code,
        Json(json!({ "status": status, "databases": databases })),
    )
}

/// One database's supervisor.
struct Run {
    database: RunnerDatabase,
    settings: Settings,
    email: Option<Arc<EmailService>>,
    shared: Arc<Semaphore>,
    served: Arc<Served>,
    grace: Duration,
}

impl Run {
    /// Reaches the database (again and again while it is down), then runs
    /// its engine until `stop`.
    async fn supervise(self, mut stop: watch::Receiver<bool>) {
        let name = &self.database.name;
        let mut wait = Duration::from_millis(250);
        let (db, scope) = loop {
            match self.connect().await {
                Ok(reached) => break reached,
                Err(e) => {
                    let e = crate::admin::one_line(&e);
                    tracing::warn!(database = %name, error = %e, retry_in = ?wait, "cannot serve the database yet");
                    self.served.health.failed(&e);
                }
            }
            tokio::select! {
                _ = stop.changed() => return,
                _ = tokio::time::sleep(wait) => wait = (wait * 2).min(MOST_BETWEEN_TRIES),
            }
        };
        let engine = match self.engine(db, scope) {
            Ok(e) => e,
            Err(e) => {
                let e = crate::admin::one_line(&e);
                tracing::error!(database = %name, error = %e, "cannot run its engine");
                self.served.health.failed(&e);
                return;
            }
        };
        tracing::info!(database = %name, "engine running");
        engine.run(stop, self.grace).await;
    }

    /// The data layer on the database, and the ids of the clients it is
    /// to serve there (none: all); a listed client missing is an error, so
    /// the database shows unhealthy until it is onboarded.
    async fn connect(&self) -> anyhow::Result<(Db, Option<Vec<Uuid>>)> {
        let d = &self.database;
        let pool = d
            .pooler
            .pool_options()
            .max_connections(d.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(d.pooler.connect_options(d.url.options()));
        let db = Db::connect_through(pool, d.pooler).await?;
        let scope = match &d.clients {
            None => None,
            Some(slugs) => {
                let mut ids = Vec::with_capacity(slugs.len());
                for slug in slugs {
                    match engine::client_id(&db, slug).await? {
                        Some(id) => ids.push(id),
                        None => bail!("no client {slug:?} in this database"),
                    }
                }
                Some(ids)
            }
        };
        let mut served: Vec<String> = match &d.clients {
            Some(slugs) => slugs.clone(),
            None => engine::clients(&db, Utc::now())
                .await?
                .into_iter()
                .map(|c| c.slug)
                .collect(),
        };
        served.sort();
        *self.served.clients.lock().expect("not poisoned") = served;
        Ok((db, scope))
    }

    fn engine(&self, db: Db, scope: Option<Vec<Uuid>>) -> anyhow::Result<Engine> {
        let d = &self.database;
        let mut cfg = self.settings.engine.clone();
        cfg.instance = format!("{}/{}", cfg.instance, d.name);
        cfg.workers = d.workers;
        let mut secrets = self.settings.secrets.clone();
        if let Some(key) = &d.secret_key {
            secrets.key = Some(key.clone());
        }
        let engine = Engine::new(db, cfg, self.email.clone())?
            .with_arlo(Arlo::from_settings(
                &self.settings.model,
                &self.settings.enrichment,
            )?)
            .with_secrets(secrets.open()?)
            .with_listener(d.listen.clone())
            .with_shared_workers(self.shared.clone())
            .with_health(self.served.health.clone());
        Ok(match scope {
            Some(clients) => engine.with_scope(clients),
            None => engine,
        })
    }
}
