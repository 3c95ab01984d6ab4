//! What each kind of task does. Every handler works through the data
//! layer as `redkey_agent` for the task's client, and is idempotent: a
//! rescued task that already half-ran does no harm when it runs again.

use std::time::Duration;

use redkey_data::{
    self as db,
    activities::{self, NewActivity},
    contacts, deals,
    tasks::{self, NewTask},
    Actor, ClientId, DbError, Tx,
};
use redkey_types::{
    kinds::{ActivityLog, Echo, FailAs, Forward, Instruct, MeetingNote, TaskPayload},
    Attention, Source, Task, TopicMessage,
};
use serde_json::{json, Value};

use super::Engine;

/// Why an attempt did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskError {
    /// Worth another attempt (a timeout, a lost connection, a 5xx).
    Retry(String),
    /// Will never succeed as asked (bad payload, unknown record).
    Permanent(String),
}

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Retry(e) | Self::Permanent(e) => f.write_str(e),
        }
    }
}

impl From<DbError> for TaskError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Sql(_) => Self::Retry(e.to_string()),
            other => Self::Permanent(other.to_string()),
        }
    }
}

/// Decodes the payload once and hands it, typed, to the kind's handler.
/// A payload that does not decode (queued before a change, or written by
/// hand) fails for good, naming the field.
pub async fn run(engine: &Engine, task: &Task) -> Result<Value, TaskError> {
    let payload = TaskPayload::decode(&task.kind, &task.payload)
        .map_err(|e| TaskError::Permanent(e.to_string()))?;
    match &payload {
        TaskPayload::ActivityLog(p) => log_activity(engine, task, p).await,
        TaskPayload::CrmQuery(p) => query(engine, task, p).await,
        TaskPayload::Echo(p) => echo(engine, task, p).await,
        TaskPayload::DatabaseBackup(_) => super::backups::run(engine, task).await,
        TaskPayload::EmailDomainCheck(_) => super::domain_check::run(engine, task).await,
        TaskPayload::EmailInbound(p) => match &engine.inner.email {
            Some(email) => {
                crate::email::inbound::read(email, &engine.inner.db, ClientId(task.client_id), p)
                    .await
            }
            None => Err(TaskError::Permanent("email is not configured".into())),
        },
        TaskPayload::EnrichmentScan(_) => engine.inner.arlo.enrich(&engine.inner.db, task).await,
        TaskPayload::ImportRun(p) => import_run(engine, task, p.import).await,
        TaskPayload::MailboxSync(_) => {
            let me = &engine.inner;
            let client = ClientId(task.client_id);
            let mail = crate::mailbox::sync_client(&me.db, me.secrets.as_ref(), client).await?;
            let calendars =
                crate::calendar::sync_client(&me.db, me.secrets.as_ref(), client).await?;
            Ok(json!({ "mail": mail, "calendars": calendars }))
        }
        TaskPayload::MeetingNote(n) => meeting_note(engine, task, n).await,
        TaskPayload::PipelineHealth(_) => pipeline_health(engine, task).await,
        TaskPayload::SequenceStep(_) => sequence_step(engine, task).await,
        TaskPayload::StrategicInstruct(p) => instruct(engine, task, p).await,
        TaskPayload::TopicForward(p) => super::forward::deliver(engine, task, p).await,
        TaskPayload::TrashPurge(_) => trash_purge(engine, task).await,
    }
}

/// A run of a CSV import, as the person who uploaded the file. A run that
/// will not be tried again marks the import failed, so its page stops
/// waiting for it.
async fn import_run(engine: &Engine, task: &Task, import: uuid::Uuid) -> Result<Value, TaskError> {
    let runner = crate::import::Runner::default();
    let client = ClientId(task.client_id);
    let err = match runner
        .run(&engine.inner.db, client, import, &|_, _| {})
        .await
    {
        Ok(tally) => return Ok(serde_json::to_value(tally).expect("a tally serialises")),
        Err(crate::import::RunError::Db(e)) => TaskError::from(e),
        Err(e) => TaskError::Permanent(e.to_string()),
    };
    let last = matches!(err, TaskError::Permanent(_)) || task.attempts >= task.max_attempts;
    if last {
        let mut tx = agent_tx(engine, task).await?;
        redkey_data::imports::fail(&mut tx, import).await?;
        tx.commit().await?;
    }
    Err(err)
}

pub(super) async fn agent_tx(engine: &Engine, task: &Task) -> Result<Tx, TaskError> {
    Ok(engine
        .inner
        .db
        .begin(ClientId(task.client_id), Actor::Agent)
        .await?)
}

/// Posts a message on a topic for the task, once: a second call returns
/// the first message. Messages on a topic with an outbound webhook get a
/// delivery task in the same transaction.
pub async fn post(
    engine: &Engine,
    tx: &mut Tx,
    task: &Task,
    topic: &str,
    body: Value,
) -> Result<TopicMessage, TaskError> {
    if let Some(seen) = tasks::message_of_task(tx, task.id, topic).await? {
        return Ok(seen);
    }
    let message = tasks::post_message(tx, topic, &body, Some(task.id)).await?;
    let client = db::current_client(tx).await?;
    for (i, hook) in engine.inner.cfg.webhooks.iter().enumerate() {
        if hook.client == client.slug && hook.topic == topic {
            let payload = TaskPayload::TopicForward(Forward {
                message_id: message.id,
                webhook: i,
            });
            let mut forward = NewTask::typed(topic, &payload, "engine:forward".into());
            forward.dedupe_key = Some(format!("forward:{}:{i}", message.id));
            forward.max_attempts = Some(12);
            tasks::enqueue(tx, &forward).await?;
        }
    }
    Ok(message)
}

/// A probe: waits `sleep_ms`, fails when asked, optionally posts `reply`
/// on the topic `post`. Its result says when the handler ran, so tests can
/// count how many ran at once.
async fn echo(engine: &Engine, task: &Task, p: &Echo) -> Result<Value, TaskError> {
    let began = chrono::Utc::now();
    if let Some(ms) = p.sleep_ms {
        tokio::time::sleep(Duration::from_millis(ms.min(60_000))).await;
    }
    let ran = json!([began, chrono::Utc::now()]);
    match p.fail {
        Some(FailAs::Retry) => return Err(TaskError::Retry("asked to fail (retry)".into())),
        Some(FailAs::Permanent) => return Err(TaskError::Permanent("asked to fail".into())),
        None => {}
    }
    let reply = p.reply.clone().unwrap_or(Value::Null);
    if let Some(topic) = &p.post {
        let mut tx = agent_tx(engine, task).await?;
        post(
            engine,
            &mut tx,
            task,
            topic.as_str(),
            json!({ "reply": reply }),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(json!({ "reply": reply, "instance": engine.instance(), "ran": ran }))
}

/// Logs an activity on the contact with `contact_email`, once per
/// `external_key` (default: the task id).
async fn log_activity(engine: &Engine, task: &Task, p: &ActivityLog) -> Result<Value, TaskError> {
    let external_key = p
        .external_key
        .clone()
        .unwrap_or_else(|| format!("task:{}", task.id));
    let mut tx = agent_tx(engine, task).await?;
    let email = &p.contact_email;
    let contact = contacts::by_email(&mut tx, email)
        .await?
        .ok_or_else(|| TaskError::Permanent(format!("no contact with email {email}")))?;
    let logged = activities::log(
        &mut tx,
        NewActivity {
            kind: p.kind.as_str().into(),
            subject: p.subject.clone(),
            body: p.body.clone(),
            happens_at: p.happens_at,
            contact_id: Some(contact.id),
            company_id: contact.company_id,
            external_key: Some(external_key),
            source: Some(Source::Agent),
            ..Default::default()
        },
    )
    .await?;
    let suggested = match &logged {
        Some(a) => crate::arlo::infer::suggest_recontact(&mut tx, a, contact.id).await?,
        None => None,
    };
    tx.commit().await?;
    Ok(json!({
        "contact_id": contact.id,
        "activity_id": logged.as_ref().map(|a| a.id),
        "already_logged": logged.is_none(),
        "suggestion_id": suggested,
    }))
}

/// Attaches a meeting's notes and posts what came of it, in one
/// transaction.
async fn meeting_note(engine: &Engine, task: &Task, n: &MeetingNote) -> Result<Value, TaskError> {
    use crate::arlo::notes::{attach, Attached};
    match attach(&engine.inner.arlo, &engine.inner.db, task, n).await? {
        Attached::Before(result) => Ok(result),
        Attached::Now(mut tx, result) => {
            post(engine, &mut tx, task, "roles.crm", result.clone()).await?;
            tx.commit().await?;
            Ok(result)
        }
    }
}

/// Sends the client's due sequence steps.
async fn sequence_step(engine: &Engine, task: &Task) -> Result<Value, TaskError> {
    let Some(email) = &engine.inner.email else {
        return Ok(json!({ "skipped": "email sending is not configured" }));
    };
    let report = crate::email::sequence::run_due(
        email,
        &engine.inner.db,
        ClientId(task.client_id),
        chrono::Utc::now(),
    )
    .await?;
    // The cockpit's Arlo page shows topic messages: say why sending stopped.
    if let (true, Some(note)) = (report.sending_paused, &report.note) {
        let mut tx = agent_tx(engine, task).await?;
        post(
            engine,
            &mut tx,
            task,
            "roles.crm",
            json!({ "summary": note }),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(serde_json::to_value(report).expect("a report serialises"))
}

/// The daily pipeline check: open deals, those that need attention (by
/// the one rule the pipeline page shows too), contacts due a recontact;
/// one summary on `roles.exec` with the counts and the worst ten.
/// Purges what was archived longer ago than the trash keeps it.
async fn trash_purge(engine: &Engine, task: &Task) -> Result<Value, TaskError> {
    let keep = chrono::Duration::from_std(engine.inner.cfg.trash)
        .map_err(|e| TaskError::Permanent(e.to_string()))?;
    let mut tx = agent_tx(engine, task).await?;
    let purged = db::trash::purge(&mut tx, chrono::Utc::now() - keep).await?;
    tx.commit().await?;
    Ok(json!({ "purged": purged }))
}

async fn pipeline_health(engine: &Engine, task: &Task) -> Result<Value, TaskError> {
    let mut tx = agent_tx(engine, task).await?;
    let (open, attention) = deals::needs_attention(&mut tx, chrono::Utc::now()).await?;
    let due = contacts::recontact_due(&mut tx).await?;
    let count = |f: fn(&Attention) -> bool| attention.iter().filter(|a| f(a)).count();
    let (stale, overdue, unplanned) = (
        count(|a| a.stale),
        count(|a| a.overdue),
        count(|a| a.no_recontact),
    );
    let summary = format!(
        "{} of {open} open deals need attention: {stale} stale, {overdue} past their close \
         date, {unplanned} without a recontact date; {due} contacts are due a recontact.",
        attention.len()
    );
    let body = json!({
        "kind": "pipeline.health",
        "summary": summary,
        "open_deals": open,
        "stale": stale,
        "overdue": overdue,
        "no_recontact": unplanned,
        "worst": attention.iter().take(10).map(|a| json!({
            "id": a.deal_id, "name": a.name, "stage": a.stage_name,
            "idle_days": a.idle_days, "reasons": a.reasons(),
        })).collect::<Vec<_>>(),
        "recontact_due": due,
    });
    let message = post(engine, &mut tx, task, "roles.exec", body).await?;
    tx.commit().await?;
    Ok(json!({ "summary": summary, "message_id": message.id }))
}

/// Answers the founder's question from the views and posts the answer on
/// `roles.crm`; nothing is written but the message.
async fn query(engine: &Engine, task: &Task, p: &Instruct) -> Result<Value, TaskError> {
    let me = &engine.inner;
    let answer = crate::arlo::query::answer(&me.arlo, &me.db, me.email.as_deref(), task, p).await?;
    let mut body = serde_json::to_value(&answer).expect("an answer serialises");
    let short: String = answer.answer.chars().take(300).collect();
    body["summary"] = json!(format!("“{}” — {short}", answer.question));
    let mut tx = agent_tx(engine, task).await?;
    post(engine, &mut tx, task, "roles.crm", body.clone()).await?;
    tx.commit().await?;
    Ok(body)
}

/// Carries out the founder's sentence and posts what came of it (what
/// changed, the question back, or the refusal) on `roles.crm`.
async fn instruct(engine: &Engine, task: &Task, p: &Instruct) -> Result<Value, TaskError> {
    let me = &engine.inner;
    let result = crate::arlo::instruct::carry_out(&me.arlo, &me.db, task, p).await?;
    let mut body = serde_json::to_value(&result).expect("a result serialises");
    body["summary"] = json!(result.summary());
    let mut tx = agent_tx(engine, task).await?;
    post(engine, &mut tx, task, "roles.crm", body.clone()).await?;
    tx.commit().await?;
    Ok(body)
}
