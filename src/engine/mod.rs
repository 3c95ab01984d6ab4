//! Arlo's engine: workers that claim tasks from the Postgres queue and run
//! them, heartbeats while they run, a rescuer for tasks whose instance
//! died, and timers that turn schedule slots into tasks.
//!
//! Execution is at-least-once: a task's effects commit before its outcome
//! is recorded, so every handler is idempotent.

mod backups;
mod domain_check;
mod finisher;
mod forward;
mod handlers;
pub mod health;
mod run_loop;
pub mod signing;
mod timers;

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use redkey_data::{
    engine::{self, Outcome},
    Db, DbError,
};
use redkey_types::Task;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tracing::Instrument;
use uuid::Uuid;

use crate::{arlo::Arlo, config::EngineSettings, email::EmailService};

pub use handlers::TaskError;

/// What one step did.
#[derive(Clone, Debug, PartialEq)]
pub struct Ran {
    pub task: Uuid,
    pub kind: String,
    pub outcome: Outcome,
    /// False when the task had been rescued from this instance meanwhile,
    /// so its outcome was not recorded.
    pub recorded: bool,
}

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    cfg: EngineSettings,
    http: reqwest::Client,
    wake: Notify,
    email: Option<Arc<EmailService>>,
    arlo: Arlo,
    secrets: Option<redkey_data::secrets::SecretBox>,
    backups: Option<backups::Backups>,
    /// A direct connection for wake-ups, beside a serving pool that passes
    /// through a transaction-mode pooler.
    listen: Option<crate::config::DatabaseUrl>,
    /// Turns shared with the engines of other databases in one runner.
    shared: Option<Arc<Semaphore>>,
    /// The clients it serves (none: every client of the database).
    scope: Option<Vec<Uuid>>,
    health: Arc<health::Health>,
    started: chrono::DateTime<Utc>,
    /// Records outcomes in groups while `run` runs; `run_one` records
    /// each itself.
    finisher: std::sync::OnceLock<finisher::Finisher>,
}

/// Longest a single attempt may run before it counts as failed.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(300);
/// The tasks this instance has claimed and not yet recorded.
type Held = Arc<std::sync::Mutex<std::collections::HashSet<Uuid>>>;

/// Most tasks one claim takes.
const CLAIM_BATCH: usize = 128;
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Finished tasks past the retention are pruned this often.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Timers are checked this often; a 30-second timer needs finer than that.
const TIMER_CHECK: Duration = Duration::from_secs(5);

impl Engine {
    pub fn new(
        db: Db,
        cfg: EngineSettings,
        email: Option<Arc<EmailService>>,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("redkey/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                cfg,
                http,
                wake: Notify::new(),
                email,
                arlo: Arlo::default(),
                secrets: None,
                backups: None,
                listen: None,
                shared: None,
                scope: None,
                health: Arc::default(),
                started: Utc::now(),
                finisher: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The same engine opening stored credentials (mailbox passwords) with
    /// `secrets`; before the engine is first cloned or run.
    pub fn with_secrets(mut self, secrets: Option<redkey_data::secrets::SecretBox>) -> Self {
        let inner = Arc::get_mut(&mut self.inner).expect("with_secrets is called on a new engine");
        inner.arlo = std::mem::take(&mut inner.arlo).with_secrets(secrets.clone());
        inner.secrets = secrets;
        self
    }

    /// The same engine taking daily backups with the owner credential into
    /// `files` (kept as many as `REDKEY_BACKUP_KEEP` says); before the
    /// engine is first cloned or run.
    pub fn with_backups(
        mut self,
        owner: crate::config::DatabaseUrl,
        files: Arc<dyn crate::files::FileStore>,
    ) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("with_backups is called on a new engine")
            .backups = Some(backups::Backups { owner, files });
        self
    }

    /// The same engine woken through `listen` (a direct connection) rather
    /// than the serving pool; before the engine is first cloned or run.
    pub fn with_listener(mut self, listen: Option<crate::config::DatabaseUrl>) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("with_listener is called on a new engine")
            .listen = listen;
        self
    }

    /// The same engine running each task only with a turn from `shared`
    /// as well (a runner's workers over all its databases); before the
    /// engine is first cloned or run.
    pub fn with_shared_workers(mut self, shared: Arc<Semaphore>) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("with_shared_workers is called on a new engine")
            .shared = Some(shared);
        self
    }

    /// The same engine reporting to `health` (a runner keeps one per
    /// database across reconnections); before it is first cloned or run.
    pub fn with_health(mut self, health: Arc<health::Health>) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("with_health is called on a new engine")
            .health = health;
        self
    }

    /// The same engine serving only `clients` of its database (their tasks
    /// and timers); before it is first cloned or run.
    pub fn with_scope(mut self, clients: Vec<Uuid>) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("with_scope is called on a new engine")
            .scope = Some(clients);
        self
    }

    fn scope(&self) -> Option<&[Uuid]> {
        self.inner.scope.as_deref()
    }

    /// Whether its database answered its last claim or check-in.
    pub fn health(&self) -> Arc<health::Health> {
        self.inner.health.clone()
    }

    /// Tells the database this engine is alive (the Arlo page lists it).
    pub async fn check_in(&self) -> Result<(), DbError> {
        let me = &self.inner;
        let done = engine::check_in(
            &me.db,
            self.instance(),
            env!("CARGO_PKG_VERSION"),
            me.started,
        )
        .await;
        match &done {
            Ok(()) => me.health.succeeded(),
            Err(e) => me.health.failed(&e.to_string()),
        }
        done
    }

    /// The same engine judging with `arlo` (its model and budget); before
    /// the engine is first cloned or run.
    pub fn with_arlo(mut self, arlo: Arlo) -> Self {
        let inner = Arc::get_mut(&mut self.inner).expect("with_arlo is called on a new engine");
        inner.arlo = arlo.with_secrets(inner.secrets.clone());
        self
    }

    pub fn instance(&self) -> &str {
        &self.inner.cfg.instance
    }

    fn agent_running(&self) -> i32 {
        self.inner.cfg.agent_running as i32
    }

    /// The worker's single step: claim one due task, run it (heartbeating
    /// meanwhile) and record its outcome. None when nothing was due.
    pub async fn run_one(&self) -> Result<Option<Ran>, DbError> {
        let me = &self.inner;
        let Some(task) = engine::claim_for(
            &me.db,
            self.instance(),
            1,
            self.agent_running(),
            self.scope(),
        )
        .await?
        .pop() else {
            return Ok(None);
        };
        self.execute(task, None).await.map(Some)
    }

    /// Runs one claimed task inside a span naming it (id, kind, client,
    /// attempt), so everything it logs, provider calls included, says which
    /// task it belongs to. The worker's `slot` is given back as soon as the
    /// handler is done, before the outcome is recorded.
    async fn execute(
        &self,
        task: Task,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Result<Ran, DbError> {
        let span = tracing::info_span!(
            "task",
            task = %task.id,
            kind = %task.kind,
            client = %task.client_id,
            attempt = task.attempts,
        );
        self.execute_in_span(task, slot).instrument(span).await
    }

    async fn execute_in_span(
        &self,
        task: Task,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Result<Ran, DbError> {
        let me = &self.inner;
        // On the heap: the handlers' futures together are large, and kept
        // inline every spawned task copied them (seen in a profile of the
        // queue; the drain rate moved within noise, BENCHMARKS.md).
        let mut run = Box::pin(
            crate::arlo::drafting::CURRENT_TASK
                .scope((task.id, task.attempts), handlers::run(self, &task)),
        );
        let mut beat = tokio::time::interval(me.cfg.heartbeat);
        beat.tick().await;
        let deadline = tokio::time::sleep(ATTEMPT_TIMEOUT);
        tokio::pin!(deadline);
        let result = loop {
            tokio::select! {
                r = &mut run => break r,
                _ = &mut deadline => break Err(TaskError::Retry("the attempt timed out".into())),
                _ = beat.tick() => {
                    if let Err(e) = engine::heartbeat(&me.db, self.instance(), &[task.id]).await {
                        tracing::warn!(task = %task.id, error = %e, "heartbeat failed");
                    }
                }
            }
        };
        let outcome = match result {
            Ok(v) => Outcome::Succeeded(v),
            Err(TaskError::Permanent(e)) => Outcome::Failed(e),
            Err(TaskError::Retry(e)) if task.attempts >= task.max_attempts => Outcome::Failed(e),
            Err(TaskError::Retry(error)) => Outcome::Retry {
                error,
                at: Utc::now() + backoff(me.cfg.backoff, task.attempts),
            },
        };
        drop(slot);
        let recorded = match me.finisher.get() {
            Some(f) => f.finish(task.id, outcome.clone()).await?,
            None => engine::finish(&me.db, task.id, self.instance(), &outcome).await?,
        };
        match &outcome {
            Outcome::Succeeded(_) => {
                tracing::debug!(task = %task.id, kind = %task.kind, "task succeeded")
            }
            Outcome::Retry { error, at } => {
                tracing::info!(task = %task.id, kind = %task.kind, %error, retry_at = %at, "task will retry")
            }
            Outcome::Failed(error) => {
                tracing::warn!(task = %task.id, kind = %task.kind, %error, "task failed")
            }
        }
        Ok(Ran {
            task: task.id,
            kind: task.kind.clone(),
            outcome,
            recorded,
        })
    }

    /// Creates the tasks of every timer slot that has begun, once across
    /// all instances. Returns how many were created here.
    pub async fn fire_timers(&self, now: chrono::DateTime<Utc>) -> Result<usize, DbError> {
        timers::fire(&self.inner.db, now, self.scope()).await
    }

    /// Re-queues tasks of instances that stopped heartbeating.
    pub async fn rescue(&self) -> Result<i32, DbError> {
        engine::rescue(&self.inner.db, self.inner.cfg.stale_after).await
    }

    /// Heartbeats every task this instance holds, running or waiting.
    async fn heartbeat_loop(self, held: Held) {
        let mut beat = tokio::time::interval(self.inner.cfg.heartbeat);
        loop {
            beat.tick().await;
            let ids: Vec<Uuid> = held.lock().expect("not poisoned").iter().copied().collect();
            if ids.is_empty() {
                continue;
            }
            if let Err(e) = engine::heartbeat(&self.inner.db, self.instance(), &ids).await {
                tracing::warn!(error = %e, "heartbeat failed");
            }
        }
    }

    /// Wakes an idle worker on each task notification; reconnects on error.
    /// Behind a transaction-mode pooler with no direct connection given,
    /// there is nothing to listen on: the workers poll.
    async fn listen(self) {
        if self.inner.listen.is_none() && !self.inner.db.pooler().can_listen() {
            tracing::info!(
                every = ?self.inner.cfg.poll,
                "no LISTEN_DATABASE_URL beside a transaction-mode pooler: polling for tasks"
            );
            return;
        }
        loop {
            if let Err(e) = self.listen_once().await {
                tracing::warn!(error = %e, "task notifications lost; polling until reconnected");
            }
            tokio::time::sleep(self.inner.cfg.poll).await;
        }
    }

    async fn listen_once(&self) -> Result<(), sqlx::Error> {
        let mut listener = match &self.inner.listen {
            Some(url) => {
                let pool = redkey_data::pool_options()
                    .max_connections(1)
                    .connect_lazy_with(url.options());
                sqlx::postgres::PgListener::connect_with(&pool).await?
            }
            None => sqlx::postgres::PgListener::connect_with(self.inner.db.pool()).await?,
        };
        listener.listen("redkey_tasks").await?;
        loop {
            listener.recv().await?;
            self.inner.wake.notify_one();
        }
    }

    /// Deletes finished tasks past their retention (failed ones are kept
    /// longer).
    pub async fn prune(&self) -> Result<i32, DbError> {
        engine::prune(
            &self.inner.db,
            self.inner.cfg.retain,
            self.inner.cfg.retain_failed,
        )
        .await
    }

    async fn rescue_loop(self) {
        let every = (self.inner.cfg.stale_after / 2).max(Duration::from_millis(100));
        let mut last_prune: Option<std::time::Instant> = None;
        loop {
            if let Err(e) = self.check_in().await {
                tracing::warn!(error = %e, "check-in failed");
            }
            tokio::time::sleep(every).await;
            if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                last_prune = Some(std::time::Instant::now());
                match self.prune().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(pruned = n, "deleted finished tasks past retention"),
                    Err(e) => tracing::warn!(error = %e, "pruning failed"),
                }
            }
            match self.rescue().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::warn!(rescued = n, "re-queued tasks of an instance that stopped");
                    self.inner.wake.notify_one();
                }
                Err(e) => tracing::warn!(error = %e, "rescue failed"),
            }
        }
    }

    async fn timer_loop(self) {
        loop {
            match self.fire_timers(Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(created = n, "timer tasks created"),
                Err(e) => tracing::warn!(error = %e, "timers failed"),
            }
            tokio::time::sleep(TIMER_CHECK).await;
        }
    }
}

/// Delay before retry number `attempt` (1-based): base·2^(attempt-1),
/// capped, times a random factor in [0.5, 1.5) so retries of many tasks
/// that failed together spread out.
pub fn backoff(base: Duration, attempt: i32) -> chrono::Duration {
    let exp = base.saturating_mul(1u32 << (attempt - 1).clamp(0, 20) as u32);
    let capped = exp.min(MAX_BACKOFF);
    let mut bytes = [0u8; 2];
    let unit = match getrandom::fill(&mut bytes) {
        Ok(()) => u16::from_le_bytes(bytes) as f64 / 65536.0,
        Err(_) => 0.5,
    };
    chrono::Duration::from_std(capped.mul_f64(0.5 + unit)).unwrap_or(chrono::Duration::zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let base = Duration::from_secs(2);
        for attempt in 1..=5 {
            let nominal = 2.0 * 2f64.powi(attempt - 1);
            for _ in 0..50 {
                let d = backoff(base, attempt).num_milliseconds() as f64 / 1000.0;
                assert!(d >= nominal * 0.5 && d < nominal * 1.5, "{attempt}: {d}");
            }
        }
        assert!(backoff(base, 40).num_seconds() < 5400);
    }
}
