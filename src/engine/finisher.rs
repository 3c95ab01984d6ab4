//! Outcomes recorded in groups: each finished task hands its outcome to one
//! writer, which records whatever has gathered in one transaction
//! (`engine_finish_many`). Alone, a task is recorded at once; under load,
//! many share a commit.

use std::sync::Arc;

use redkey_data::{
    engine::{self, Outcome},
    Db, DbError,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Most outcomes one transaction records.
const MAX_GROUP: usize = 256;

type Reply = oneshot::Sender<Result<bool, DbError>>;

#[derive(Clone)]
pub struct Finisher {
    queue: mpsc::UnboundedSender<(Uuid, Outcome, Reply)>,
}

impl Finisher {
    /// Starts the writer; it ends when the last handle is dropped.
    pub fn spawn(db: Db, instance: Arc<str>) -> Self {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(write(rx, db, instance));
        Self { queue }
    }

    /// Records the outcome; false when the task was no longer this
    /// instance's.
    pub async fn finish(&self, task: Uuid, outcome: Outcome) -> Result<bool, DbError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((task, outcome, reply))
            .map_err(|_| DbError::Invalid("the engine is stopping".into()))?;
        answer
            .await
            .map_err(|_| DbError::Invalid("the outcome writer stopped".into()))?
    }
}

async fn write(
    mut rx: mpsc::UnboundedReceiver<(Uuid, Outcome, Reply)>,
    db: Db,
    instance: Arc<str>,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        let pairs: Vec<(Uuid, &Outcome)> = group.iter().map(|(id, o, _)| (*id, o)).collect();
        match engine::finish_many(&db, &instance, &pairs).await {
            Ok(mine) => {
                for (id, _, reply) in group.drain(..) {
                    let _ = reply.send(Ok(mine.contains(&id)));
                }
            }
            // One at a time, so each task hears its own answer.
            Err(_) => {
                for (id, outcome, reply) in group.drain(..) {
                    let _ = reply.send(engine::finish(&db, id, &instance, &outcome).await);
                }
            }
        }
    }
}
