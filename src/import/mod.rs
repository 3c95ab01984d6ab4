//! Runs an import of a stored CSV file, as the person who uploaded it, in
//! batches. A dry run does everything in one transaction it never
//! commits (each batch under a savepoint), so it reports exactly what the
//! import would do; the import commits each batch with the outcomes of its
//! lines, so a run stopped part way (a crash, kill -9) resumes after the
//! last committed batch. A line Postgres refuses is rolled back alone and
//! reported; a batch that fails for another reason (a lock timeout, a lost
//! connection) is rolled back alone, its lines reported failed, and the
//! run goes on with the next.

pub mod cli;

use std::time::Duration;

use redkey_data::{
    import_lines::{self, Applied, Cells, Lookups},
    imports::{self, Stored},
    Actor, ClientId, Db, DbError, Tx,
};
use redkey_types::import::{ImportStatus, LineOutcome, Outcome, Tally, Target};
use uuid::Uuid;

/// How a run cuts its work.
#[derive(Clone, Debug)]
pub struct Runner {
    /// Lines per batch (per transaction, for the import).
    pub batch: usize,
    /// How long a line waits for a row another transaction holds before
    /// its batch gives up.
    pub lock_timeout: Duration,
}

impl Default for Runner {
    fn default() -> Self {
        Self {
            batch: 200,
            lock_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a run could not go on at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("the person who uploaded this file can no longer act in this client")]
    UploaderGone,
    #[error("this import is not being run (its status is {0})")]
    NotRunning(ImportStatus),
}

impl Runner {
    /// Runs the import's current run to its end; `progress` hears the lines
    /// done and the lines in all after each batch. Returns the run's tally.
    pub async fn run(
        &self,
        db: &Db,
        client: ClientId,
        id: Uuid,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Tally, RunError> {
        let mut tx = db.begin(client, Actor::Agent).await?;
        let stored = imports::for_run(&mut tx, id).await?;
        tx.commit().await?;
        let user = Actor::User(stored.uploaded_by);
        let apply = match stored.import.status {
            ImportStatus::Importing => true,
            ImportStatus::Checking => false,
            other => return Err(RunError::NotRunning(other)),
        };
        let mut tx = db.begin(client, user).await?;
        if !imports::uploader_may_act(&mut tx, stored.uploaded_by).await? {
            return Err(RunError::UploaderGone);
        }
        let done = imports::recorded_lines(&mut tx, id, stored.import.run).await?;
        let run = if !apply && !done.is_empty() {
            imports::restart_check(&mut tx, id).await?
        } else {
            stored.import.run
        };
        tx.commit().await?;
        let total = stored.parsed.rows.len() as u64;
        let todo: Vec<&(i32, Vec<String>)> = stored
            .parsed
            .rows
            .iter()
            .filter(|(line, _)| !apply || !done.contains(line))
            .collect();
        let mut finished = total - todo.len() as u64;
        progress(finished, total);
        let job = Job {
            db,
            client,
            user,
            id,
            run,
            stored: &stored,
        };
        if apply {
            for batch in todo.chunks(self.batch.max(1)) {
                job.import_batch(self, batch).await?;
                finished += batch.len() as u64;
                progress(finished, total);
            }
        } else {
            let mut work = db.begin(client, user).await?;
            self.limit_waits(&mut work).await?;
            for batch in todo.chunks(self.batch.max(1)) {
                job.check_batch(&mut work, batch).await?;
                finished += batch.len() as u64;
                progress(finished, total);
            }
            work.rollback().await?;
        }
        let mut tx = db.begin(client, user).await?;
        imports::finish(&mut tx, id, run, apply).await?;
        let report = imports::report(&mut tx, id, run, 0).await?;
        tx.commit().await?;
        Ok(report.tally)
    }

    /// The same run with a terminal progress bar (the command line's
    /// imports and the import benchmark).
    pub async fn run_with_bar(
        &self,
        db: &Db,
        client: ClientId,
        id: Uuid,
        label: &str,
    ) -> Result<Tally, RunError> {
        let bar = indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{label:>9} [{{bar:30}}] {{pos}}/{{len}} lines, {{per_sec}} ({{eta}})"
            ))
            .expect("a valid template")
            .progress_chars("=> "),
        );
        let tally = self
            .run(db, client, id, &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await;
        bar.finish_and_clear();
        tally
    }

    async fn limit_waits(&self, tx: &mut Tx) -> Result<(), DbError> {
        let ms = self.lock_timeout.as_millis().max(1);
        sqlx::query(&format!("SET LOCAL lock_timeout = {ms}"))
            .execute(tx.conn())
            .await?;
        Ok(())
    }
}

/// One run of one import.
struct Job<'a> {
    db: &'a Db,
    client: ClientId,
    user: Actor,
    id: Uuid,
    run: i32,
    stored: &'a Stored,
}

impl Job<'_> {
    /// A batch of the import: its own transaction, committed with the
    /// outcomes of its lines; if it fails, its lines are recorded failed.
    async fn import_batch(
        &self,
        runner: &Runner,
        batch: &[&(i32, Vec<String>)],
    ) -> Result<(), DbError> {
        let attempt = async {
            let mut tx = self.db.begin(self.client, self.user).await?;
            runner.limit_waits(&mut tx).await?;
            let outcomes = self.lines(&mut tx, batch).await?;
            imports::record(&mut tx, self.id, self.run, &outcomes).await?;
            tx.commit().await
        };
        match attempt.await {
            Ok(()) => Ok(()),
            Err(e) => self.record_failed(batch, &e).await,
        }
    }

    /// A batch of a dry run: under a savepoint of the run's one
    /// transaction, its outcomes recorded apart (the work never commits).
    async fn check_batch(
        &self,
        work: &mut Tx,
        batch: &[&(i32, Vec<String>)],
    ) -> Result<(), DbError> {
        sqlx::query("SAVEPOINT batch").execute(work.conn()).await?;
        match self.lines(work, batch).await {
            Ok(outcomes) => {
                sqlx::query("RELEASE SAVEPOINT batch")
                    .execute(work.conn())
                    .await?;
                let mut tx = self.db.begin(self.client, self.user).await?;
                imports::record(&mut tx, self.id, self.run, &outcomes).await?;
                tx.commit().await
            }
            Err(e) => {
                sqlx::query("ROLLBACK TO SAVEPOINT batch")
                    .execute(work.conn())
                    .await?;
                self.record_failed(batch, &e).await
            }
        }
    }

    async fn record_failed(
        &self,
        batch: &[&(i32, Vec<String>)],
        e: &DbError,
    ) -> Result<(), DbError> {
        tracing::warn!(import = %self.id, error = %e, "an import batch failed and was rolled back");
        let reason = format!(
            "the batch of lines {}–{} was rolled back: {e}",
            first(batch),
            last(batch)
        );
        let failed: Vec<LineOutcome> = batch
            .iter()
            .map(|(line, _)| LineOutcome {
                line: *line,
                outcome: Outcome::Failed,
                reason: Some(reason.clone()),
                record_id: None,
            })
            .collect();
        let mut tx = self.db.begin(self.client, self.user).await?;
        imports::record(&mut tx, self.id, self.run, &failed).await?;
        tx.commit().await
    }

    /// Applies each line under its own savepoint: a line Postgres refuses
    /// is rolled back alone and reported. Errors that are not about the
    /// line (the connection, a lock wait) fail the batch.
    async fn lines(
        &self,
        tx: &mut Tx,
        batch: &[&(i32, Vec<String>)],
    ) -> Result<Vec<LineOutcome>, DbError> {
        let mut lookups = Lookups::load(tx).await?;
        let mapping: &[Option<Target>] = &self.stored.import.mapping;
        let mut out = Vec::with_capacity(batch.len());
        for (line, row) in batch {
            sqlx::query("SAVEPOINT line").execute(tx.conn()).await?;
            let cells = Cells::new(mapping, row);
            let applied =
                import_lines::apply(tx, self.stored.import.kind, &cells, &mut lookups).await;
            let (outcome, reason, record_id) = match applied {
                Ok(Applied::Done(outcome, id)) => {
                    sqlx::query("RELEASE SAVEPOINT line")
                        .execute(tx.conn())
                        .await?;
                    lookups.keep_fresh();
                    (outcome, None, Some(id))
                }
                Ok(Applied::Skipped(why)) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT line")
                        .execute(tx.conn())
                        .await?;
                    lookups.forget_fresh();
                    (Outcome::Skipped, Some(why), None)
                }
                Err(e @ DbError::Sql(_)) => return Err(e),
                Err(e) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT line")
                        .execute(tx.conn())
                        .await?;
                    lookups.forget_fresh();
                    (Outcome::Skipped, Some(e.to_string()), None)
                }
            };
            out.push(LineOutcome {
                line: *line,
                outcome,
                reason,
                record_id,
            });
        }
        Ok(out)
    }
}

fn first(batch: &[&(i32, Vec<String>)]) -> i32 {
    batch.first().map_or(0, |(l, _)| *l)
}

fn last(batch: &[&(i32, Vec<String>)]) -> i32 {
    batch.last().map_or(0, |(l, _)| *l)
}
