//! The engine's main loop: claims in batches ahead of the workers and hands
//! each claimed task to a free worker.
//!
//! The next claim is already in flight while the workers run the last
//! batch (at most one claim at a time per instance), so a worker that
//! frees finds its next task waiting instead of waiting for a round trip.

use std::{collections::VecDeque, sync::Arc, time::Duration};

use redkey_data::{engine, DbError};
use redkey_types::Task;
use tokio::{
    sync::{watch, Semaphore},
    task::{JoinHandle, JoinSet},
};
use uuid::Uuid;

use super::{finisher, Engine, Held, CLAIM_BATCH};

impl Engine {
    /// Runs workers, the rescuer, timers and the wake-up listener until
    /// `stop` turns true; then stops claiming, lets running tasks finish
    /// for `grace`, and gives back the rest.
    pub async fn run(self, mut stop: watch::Receiver<bool>, grace: Duration) {
        let me = &self.inner;
        let workers = me.cfg.workers;
        tracing::info!(instance = %me.cfg.instance, workers, "engine running");
        let mut background = JoinSet::new();
        background.spawn(self.clone().listen());
        background.spawn(self.clone().rescue_loop());
        if me.cfg.timers {
            background.spawn(self.clone().timer_loop());
        }
        me.finisher.get_or_init(|| {
            finisher::Finisher::spawn(me.db.clone(), me.cfg.instance.as_str().into())
        });
        let permits = Arc::new(Semaphore::new(workers));
        let mut running: JoinSet<()> = JoinSet::new();
        // Every task claimed here and not yet recorded, started or not: the
        // heartbeat keeps them all this instance's.
        let held: Held = Arc::default();
        background.spawn(self.clone().heartbeat_loop(held.clone()));
        let mut ready: VecDeque<Task> = VecDeque::new();
        let mut claim: Option<JoinHandle<Result<Vec<Task>, DbError>>> = None;
        // The last claim found nothing: wait for a notification, a finished
        // task or the poll.
        let mut drained = false;
        // Tasks finished while the last claim was in flight: how many the
        // workers get through in one round trip. Short tasks raise it and
        // claims grow to keep them fed; long ones keep it near zero, so an
        // instance holds little more than its workers can start, and the
        // rest stays claimable by other instances.
        let (mut finished, mut finished_at_claim, mut pace) = (0usize, 0usize, 0usize);
        loop {
            if *stop.borrow() {
                break;
            }
            if claim.is_none() && !drained && ready.len() <= workers + 2 * pace {
                let want = (permits.available_permits() + workers + 4 * pace)
                    .saturating_sub(ready.len())
                    .clamp(1, CLAIM_BATCH);
                finished_at_claim = finished;
                claim = Some(self.claim_in_background(want));
            }
            tokio::select! {
                biased;
                _ = stop.changed() => break,
                claimed = async { claim.as_mut().expect("guarded").await }, if claim.is_some() => {
                    claim = None;
                    pace = finished - finished_at_claim;
                    match claimed {
                        Ok(Ok(tasks)) => {
                            me.health.succeeded();
                            drained = tasks.is_empty();
                            let mut h = held.lock().expect("not poisoned");
                            for task in tasks {
                                h.insert(task.id);
                                ready.push_back(task);
                            }
                        }
                        Ok(Err(e)) => {
                            me.health.failed(&e.to_string());
                            tracing::warn!(error = %e, "claiming failed; retrying after the poll interval");
                            drained = true;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "the claim stopped; retrying after the poll interval");
                            drained = true;
                        }
                    }
                }
                permit = permits.clone().acquire_owned(), if !ready.is_empty() => {
                    let permit = permit.expect("never closed");
                    let task = ready.pop_front().expect("guarded");
                    let (engine, held) = (self.clone(), held.clone());
                    let shared = me.shared.clone();
                    running.spawn(async move {
                        let id = task.id;
                        // A runner's turn, in order of asking across its
                        // databases; held until the task is recorded.
                        let _turn = match shared {
                            Some(s) => Some(s.acquire_owned().await.expect("never closed")),
                            None => None,
                        };
                        if let Err(e) = engine.execute(task, Some(permit)).await {
                            tracing::warn!(task = %id, error = %e, "could not record the outcome");
                        }
                        held.lock().expect("not poisoned").remove(&id);
                    });
                }
                // A finished task may free an agent's place in a client's
                // limit, which no notification announces: claim again.
                Some(_) = running.join_next(), if !running.is_empty() => {
                    finished += 1;
                    drained = false;
                }
                // (No claim is in flight while drained.)
                _ = me.wake.notified(), if drained => drained = false,
                _ = tokio::time::sleep(me.cfg.poll), if drained => drained = false,
            }
        }
        background.abort_all();
        // A claim still in flight took tasks too: they join the unstarted.
        if let Some(c) = claim {
            if let Ok(Ok(tasks)) = c.await {
                ready.extend(tasks);
            }
        }
        self.release_unstarted(&held, ready).await;
        tracing::info!(running = running.len(), "engine stopping");
        let finished = tokio::time::timeout(grace, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            running.abort_all();
            let ids: Vec<Uuid> = held.lock().expect("not poisoned").drain().collect();
            match engine::release(&me.db, self.instance(), &ids).await {
                Ok(n) => tracing::info!(released = n, "gave unfinished tasks back to the queue"),
                Err(e) => tracing::warn!(error = %e, "could not release tasks; the rescuer will"),
            }
        }
    }

    fn claim_in_background(&self, want: usize) -> JoinHandle<Result<Vec<Task>, DbError>> {
        let (db, instance) = (self.inner.db.clone(), self.inner.cfg.instance.clone());
        let (agents, scope) = (self.agent_running(), self.inner.scope.clone());
        tokio::spawn(async move {
            engine::claim_for(&db, &instance, want as i32, agents, scope.as_deref()).await
        })
    }

    /// Claimed ahead and never started: back to the queue at once.
    async fn release_unstarted(&self, held: &Held, ready: VecDeque<Task>) {
        let unstarted: Vec<Uuid> = ready.into_iter().map(|t| t.id).collect();
        if unstarted.is_empty() {
            return;
        }
        {
            let mut h = held.lock().expect("not poisoned");
            unstarted.iter().for_each(|id| {
                h.remove(id);
            });
        }
        if let Err(e) = engine::release(&self.inner.db, self.instance(), &unstarted).await {
            tracing::warn!(error = %e, "could not release unstarted tasks; the rescuer will");
        }
    }
}
