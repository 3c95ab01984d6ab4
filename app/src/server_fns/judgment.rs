//! Telling arlo, and deciding on what arlo suggests.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{AppError, InstructResult, QueryAnswer, Suggestion};

/// Where what the founder told or asked arlo stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Told {
    /// Queued or running.
    Pending,
    Done(InstructResult),
    Answered(QueryAnswer),
    /// The task failed: why (the model unusable, the instruction gone).
    Failed(String),
}

/// A question queues arlo's `crm.query`; anything else is stored as the
/// signed-in person's instruction with the `strategic.instruct` task that
/// carries it out, in one transaction. The task's id.
#[server]
pub async fn tell_arlo(
    text: String,
    about_kind: Option<String>,
    about_id: Option<Uuid>,
) -> Result<Uuid, AppError> {
    use crate::model::{
        kinds::{is_question, Instruct, TaskPayload},
        RecordRef,
    };
    use crate::{
        model::RecordKind,
        ssr::{
            db::{instructions, tasks},
            session::human_tx,
        },
    };

    let text = text
        .try_into()
        .map_err(|e: String| AppError::invalid("text", e))?;
    let about = match (about_kind.as_deref().and_then(RecordKind::parse), about_id) {
        (Some(kind), Some(id)) => Some(RecordRef { kind, id }),
        _ => None,
    };
    let instruct = Instruct { text, about };
    let (mut tx, me) = human_tx().await?;
    if let Some(about) = about {
        if !instructions::names_a_record(&mut tx, about).await? {
            return Err(AppError::NotFound);
        }
    }
    let who = format!("user:{}", me.user);
    let done = if is_question(instruct.text.as_str()) {
        let payload = TaskPayload::CrmQuery(instruct);
        tasks::enqueue(&mut tx, &tasks::NewTask::typed("roles.crm", &payload, who)).await?
    } else {
        let task = instructions::task_for(&instruct, who.clone());
        instructions::give(&mut tx, &who, &instruct, task).await?
    };
    tx.commit().await?;
    Ok(done.task().id)
}

/// The outcome of the instruction `task`, waiting up to a few seconds for
/// arlo to finish it.
#[server]
pub async fn instruction_outcome(task: Uuid) -> Result<Told, AppError> {
    use crate::model::TaskStatus;
    use crate::ssr::{db::tasks, session::human_tx};

    for _ in 0..40 {
        let (mut tx, _) = human_tx().await?;
        let t = tasks::get(&mut tx, task).await?;
        tx.commit().await?;
        let result = t.result.unwrap_or_default();
        let read = |_| AppError::Internal;
        match (t.status, t.kind.as_str()) {
            (_, "strategic.instruct" | "crm.query") => {}
            _ => return Err(AppError::NotFound),
        }
        match t.status {
            TaskStatus::Succeeded if t.kind == "crm.query" => {
                return Ok(Told::Answered(
                    serde_json::from_value(result).map_err(read)?,
                ));
            }
            TaskStatus::Succeeded => {
                return Ok(Told::Done(serde_json::from_value(result).map_err(read)?));
            }
            TaskStatus::Failed | TaskStatus::Cancelled => {
                return Ok(Told::Failed(
                    t.last_error
                        .unwrap_or_else(|| "arlo could not do this".into()),
                ))
            }
            TaskStatus::Queued | TaskStatus::Running => {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await
            }
        }
    }
    Ok(Told::Pending)
}

#[server]
pub async fn load_suggestions() -> Result<Vec<Suggestion>, AppError> {
    use crate::ssr::{db::suggestions, session::human_read};
    let (mut tx, _) = human_read().await?;
    Ok(suggestions::open(&mut tx, 200).await?)
}

/// Accepts (applying it as the signed-in person) or dismisses a
/// suggestion.
#[server]
pub async fn decide_suggestion(id: Uuid, accept: bool) -> Result<(), AppError> {
    use crate::model::{RecordRef, SuggestedField};
    use crate::ssr::{
        db::{calendar, strategic, strategic::StrategicChange, suggestions},
        session::human_tx,
    };
    let (mut tx, _) = human_tx().await?;
    let s = suggestions::decide(&mut tx, id, accept).await?;
    if accept {
        let bad = || AppError::invalid("proposed", "the suggestion's value is not usable");
        let text = s.proposed.as_str().ok_or_else(bad)?.to_string();
        let change = match s.field {
            SuggestedField::Priority => {
                StrategicChange::Priority(crate::model::Priority::parse(&text).ok_or_else(bad)?)
            }
            SuggestedField::RecontactAt => StrategicChange::RecontactAt(
                text.parse::<chrono::DateTime<chrono::Utc>>()
                    .map_err(|_| bad())?,
            ),
            SuggestedField::StrategyNote => StrategicChange::StrategyNote(text),
            SuggestedField::RelationshipNote => StrategicChange::RelationshipNote(text),
        };
        let record = RecordRef {
            kind: s.record_kind,
            id: s.record_id,
        };
        let today = calendar::today(&mut tx, chrono::Utc::now()).await?;
        strategic::apply(&mut tx, record, change, today).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The founder sends an email arlo drafted: it joins the outbox's pending
/// sends, and the sequence runner is asked to run now.
#[server]
pub async fn send_draft(id: Uuid) -> Result<(), AppError> {
    use crate::model::kinds::{TaskPayload, Tick};
    use crate::ssr::{
        db::{outbox, tasks},
        session::human_tx,
    };
    let (mut tx, me) = human_tx().await?;
    outbox::send_draft(&mut tx, id).await?;
    let tick = Tick {
        run_now: true,
        slot: None,
    };
    let payload = TaskPayload::SequenceStep(tick);
    let mut task = tasks::NewTask::typed("roles.crm", &payload, format!("user:{}", me.user));
    task.dedupe_key = Some("timer:sequence.step".into());
    tasks::enqueue(&mut tx, &task).await?;
    tx.commit().await?;
    Ok(())
}
