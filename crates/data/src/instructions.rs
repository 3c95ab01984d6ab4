//! A person's instruction to arlo: stored as the person (or the agent
//! relaying them) in the same transaction as the task that carries it out,
//! so arlo never stores an instruction it then acts on.

use uuid::Uuid;

use super::{
    store_instruction,
    tasks::{self, Enqueued, NewTask},
    DbError, Result, Tx,
};
use redkey_types::{
    kinds::{Instruct, TaskPayload},
    RecordKind, RecordRef,
};

/// Stores the instruction given by `given_by` (`user:<id>`,
/// `agent:<name>`) and queues `task`, the `strategic.instruct` task that
/// carries it out, with its id. The transaction must be a person's or a
/// relay's. An unfinished task holding the same dedupe key is returned
/// instead, and nothing is stored.
pub async fn give(
    tx: &mut Tx,
    given_by: &str,
    instruct: &Instruct,
    mut task: NewTask,
) -> Result<Enqueued> {
    if let Some(key) = &task.dedupe_key {
        if let Some(open) = tasks::open_with_key(tx, key).await? {
            return Ok(Enqueued::Existing(open));
        }
    }
    if let Some(about) = instruct.about {
        if !names_a_record(tx, about).await? {
            return Err(DbError::NotFound);
        }
    }
    task.instruction_id = Some(store_instruction(tx, given_by, instruct.text.as_str()).await?);
    tasks::enqueue(tx, &task).await
}

/// The task for `instruct` as a person in the cockpit gives it.
pub fn task_for(instruct: &Instruct, created_by: String) -> NewTask {
    NewTask::typed(
        "roles.crm",
        &TaskPayload::StrategicInstruct(instruct.clone()),
        created_by,
    )
}

/// Whether `r` is one of the client's live contacts, companies or deals.
pub async fn names_a_record(tx: &mut Tx, r: RecordRef) -> Result<bool> {
    let view = match r.kind {
        RecordKind::Contact => "crm_contacts",
        RecordKind::Company => "crm_companies",
        RecordKind::Deal => "crm_deals",
        RecordKind::Stage => return Ok(false),
    };
    Ok(sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM {view} WHERE id = $1)"
    ))
    .bind(r.id)
    .fetch_one(tx.conn())
    .await?)
}

/// The stored sentence.
pub async fn sentence(tx: &mut Tx, id: Uuid) -> Result<String> {
    sqlx::query_scalar("SELECT instruction FROM crm_instructions WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(DbError::NotFound)
}
