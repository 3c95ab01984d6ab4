//! Each tool: its arguments decoded once, then the data layer as
//! `redkey_agent` in the token's client. Strategic changes go only
//! through `tell_arlo`, which stores the instruction as the API does.

use std::time::Duration;

use chrono::{DateTime, Utc};
use redkey_data::{
    activities::{self, NewActivity},
    board::{self, BoardFilter},
    contacts::{self, ContactQuery},
    instructions, pipeline, records,
    tasks::{self, Enqueued, NewTask},
    tokens::ApiToken,
    Actor, DbError, Tx,
};
use redkey_types::{
    kinds::{Instruct, TaskPayload},
    Contact, Deal, RecordKind, Source, Task, TaskStatus,
};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{catalog, Outcome};
use crate::http::AppState;

/// A tool's failure as its caller reads it.
type Failed = String;

pub async fn call(state: &AppState, token: &ApiToken, name: &str, args: Value) -> Outcome {
    let done = match name {
        "search_contacts" => search_contacts(state, token, args).await,
        "get_contact" => get_contact(state, token, args).await,
        "list_pipeline" => list_pipeline(state, token, args).await,
        "get_deal" => get_deal(state, token, args).await,
        "recent_activity" => recent_activity(state, token, args).await,
        "log_activity" => log_activity(state, token, args).await,
        "tell_arlo" => tell_arlo(state, token, args).await,
        "ask_arlo" => ask_arlo(state, token, args).await,
        "task_status" => task_status(state, token, args).await,
        _ => Err(format!(
            "there is no tool {name:?}; the tools are {}",
            catalog::TOOLS.join(", ")
        )),
    };
    done.unwrap_or_else(Outcome::failed)
}

/// The arguments as the tool's schema has them, or which one is wrong.
fn args<T: DeserializeOwned>(args: Value) -> Result<T, Failed> {
    serde_path_to_error::deserialize(args).map_err(|e| {
        let at = e.path().to_string();
        if at == "." {
            format!("invalid arguments: {}", e.inner())
        } else {
            format!("invalid argument {at}: {}", e.inner())
        }
    })
}

/// A data-layer error as the caller reads it: another client's record is
/// a missing one, and the database's own failures say nothing inside.
pub(super) fn said(e: DbError) -> Failed {
    match e {
        DbError::NotFound => "no such record in this client".into(),
        DbError::Sql(e) => {
            tracing::error!(error = %e, "an MCP tool's query");
            "the CRM could not answer just now; try again shortly".into()
        }
        other => other.to_string(),
    }
}

fn bounded(n: Option<i64>, default: i64, max: i64, what: &str) -> Result<i64, Failed> {
    match n.unwrap_or(default) {
        n if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("{what} is between 1 and {max}")),
    }
}

async fn read_tx(state: &AppState, token: &ApiToken) -> Result<Tx, Failed> {
    state
        .db
        .begin_snapshot(token.client(), Actor::Agent)
        .await
        .map_err(said)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Search {
    query: String,
    limit: Option<i64>,
}

async fn search_contacts(state: &AppState, token: &ApiToken, a: Value) -> Result<Outcome, Failed> {
    let a: Search = args(a)?;
    let query = a.query.trim();
    if query.is_empty() || query.chars().count() > 200 {
        return Err("query is 1 to 200 characters".into());
    }
    let limit = bounded(a.limit, 10, 50, "limit")?;
    let mut tx = read_tx(state, token).await?;
    let q = ContactQuery {
        search: Some(query),
        ..Default::default()
    };
    let found = contacts::rows(&mut tx, &q, limit).await.map_err(said)?;
    let n = found.len();
    Ok(Outcome::ok(
        json!({ "contacts": found }),
        format!("{n} contacts found"),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ById {
    id: Uuid,
}

async fn get_contact(state: &AppState, token: &ApiToken, a: Value) -> Result<Outcome, Failed> {
    let ById { id } = args(a)?;
    let mut tx = read_tx(state, token).await?;
    let contact = records::get::<Contact>(&mut tx, id).await.map_err(said)?;
    let recent = activities::latest_of(&mut tx, RecordKind::Contact, id, None, 10)
        .await
        .map_err(said)?;
    Ok(Outcome::ok(
        json!({ "contact": contact, "recent_activity": recent }),
        "1 contact",
    ))
}

async fn get_deal(state: &AppState, token: &ApiToken, a: Value) -> Result<Outcome, Failed> {
    let ById { id } = args(a)?;
    let mut tx = read_tx(state, token).await?;
    let deal = records::get::<Deal>(&mut tx, id).await.map_err(said)?;
    let recent = activities::latest_of(&mut tx, RecordKind::Deal, id, None, 10)
        .await
        .map_err(said)?;
    Ok(Outcome::ok(
        json!({ "deal": deal, "recent_activity": recent }),
        "1 deal",
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pipeline {
    deals_per_stage: Option<i64>,
}

async fn list_pipeline(state: &AppState, token: &ApiToken, a: Value) -> Result<Outcome, Failed> {
    let a: Pipeline = args(a)?;
    let per_stage = match a.deals_per_stage.unwrap_or(5) {
        n @ 0..=25 => n,
        _ => return Err("deals_per_stage is between 0 and 25".into()),
    };
    let mut tx = read_tx(state, token).await?;
    let value = pipeline_summary(&mut tx, per_stage).await.map_err(said)?;
    let n = value["stages"].as_array().map_or(0, Vec::len);
    Ok(Outcome::ok(value, format!("{n} stages")))
}

/// Every stage with its maintained totals and its first `per_stage` deals
/// in board order; also the pipeline resource.
pub(super) async fn pipeline_summary(tx: &mut Tx, per_stage: i64) -> Result<Value, DbError> {
    let stages = pipeline::stages(tx).await?;
    let ids: Vec<Uuid> = stages.iter().map(|s| s.stage_id).collect();
    let cards = if per_stage > 0 && !ids.is_empty() {
        board::cards(
            tx,
            &ids,
            &BoardFilter::default(),
            None,
            per_stage,
            Utc::now(),
        )
        .await?
    } else {
        vec![]
    };
    let stages: Vec<Value> = stages
        .iter()
        .map(|s| {
            let deals: Vec<Value> = cards
                .iter()
                .filter(|c| c.stage_id == s.stage_id)
                .map(|c| {
                    json!({
                        "id": c.id, "name": c.name, "company": c.company_name,
                        "amount_micros": c.amount_micros, "currency_code": c.currency_code,
                        "priority": c.priority, "days_in_stage": c.days_in_stage, "stale": c.stale,
                    })
                })
                .collect();
            json!({
                "pipeline": s.pipeline_name, "stage_id": s.stage_id, "stage": s.stage_name,
                "probability": s.probability, "is_won": s.is_won, "is_lost": s.is_lost,
                "deal_count": s.deal_count, "amount_units": s.amount_units,
                "weighted_units": s.weighted_units, "deals": deals,
            })
        })
        .collect();
    Ok(json!({ "stages": stages }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Recent {
    limit: Option<i64>,
    kind: Option<String>,
    contact_id: Option<Uuid>,
}

async fn recent_activity(state: &AppState, token: &ApiToken, a: Value) -> Result<Outcome, Failed> {
    let a: Recent = args(a)?;
    let limit = bounded(a.limit, 20, 50, "limit")?;
    if let Some(k) = &a.kind {
        if !redkey_types::ACTIVITY_KINDS.contains(&k.as_str()) {
            return Err(format!("{k:?} is not a kind of activity"));
        }
    }
    let mut tx = read_tx(state, token).await?;
    let found = match a.contact_id {
        Some(id) => {
            // Another client's contact is as missing as an unknown one.
            records::get::<Contact>(&mut tx, id).await.map_err(said)?;
            activities::latest_of(&mut tx, RecordKind::Contact, id, a.kind.as_deref(), limit)
                .await
                .map_err(said)?
        }
        None => activities::recent(&mut tx, a.kind.as_deref(), None, limit)
            .await
            .map_err(said)?,
    };
    let n = found.len();
    Ok(Outcome::ok(
        json!({ "activities": found }),
        format!("{n} activities"),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Log {
    kind: String,
    subject: Option<String>,
    body: Option<String>,
    happens_at: Option<DateTime<Utc>>,
    contact_id: Option<Uuid>,
    company_id: Option<Uuid>,
    deal_id: Option<Uuid>,
    external_key: Option<String>,
}

async fn log_activity(state: &AppState, token: &ApiToken, a: Value) -> Result<Outcome, Failed> {
    let a: Log = args(a)?;
    if !catalog::ACTIVITY_KINDS.contains(&a.kind.as_str()) {
        return Err(format!(
            "{:?} is not an activity an agent logs: one of {}",
            a.kind,
            catalog::ACTIVITY_KINDS.join(", ")
        ));
    }
    if a.contact_id.is_none() && a.company_id.is_none() && a.deal_id.is_none() {
        return Err("name the contact_id, company_id or deal_id it was about".into());
    }
    for (text, max, what) in [(&a.subject, 500, "subject"), (&a.body, 20_000, "body")] {
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > max || t.contains('\0'))
        {
            return Err(format!(
                "{what} is at most {max} characters, none of them NUL"
            ));
        }
    }
    if a.external_key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.chars().count() > 200 || k.contains('\0'))
    {
        return Err("external_key is 1 to 200 characters, none of them NUL".into());
    }
    let mut tx = state
        .db
        .begin(token.client(), Actor::Agent)
        .await
        .map_err(said)?;
    // The contact's company unless another is named; every id must be
    // this client's.
    let mut company_id = a.company_id;
    if let Some(id) = a.contact_id {
        let c = records::get::<Contact>(&mut tx, id).await.map_err(said)?;
        company_id = company_id.or(c.company_id);
    }
    let logged = activities::log(
        &mut tx,
        NewActivity {
            kind: a.kind,
            subject: a.subject,
            body: a.body,
            happens_at: a.happens_at,
            contact_id: a.contact_id,
            company_id,
            deal_id: a.deal_id,
            external_key: a.external_key.map(|k| format!("mcp:{}:{k}", token.agent)),
            source: Some(Source::Api),
            ..Default::default()
        },
    )
    .await
    .map_err(said)?;
    // What the note implies for a strategic date is arlo's suggestion,
    // for the founder to accept.
    let suggestion = match (&logged, a.contact_id) {
        (Some(activity), Some(contact)) => {
            crate::arlo::infer::suggest_recontact(&mut tx, activity, contact)
                .await
                .map_err(said)?
        }
        _ => None,
    };
    tx.commit().await.map_err(said)?;
    let summary = match &logged {
        Some(_) => "1 activity logged",
        None => "already logged",
    };
    Ok(Outcome::ok(
        json!({
            "activity_id": logged.as_ref().map(|x| x.id),
            "already_logged": logged.is_none(),
            "suggestion_id": suggestion,
        }),
        summary,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tell {
    sentence: String,
    about: Option<Value>,
    wait_seconds: Option<u64>,
}

async fn tell_arlo(state: &AppState, token: &ApiToken, a: Value) -> Result<Outcome, Failed> {
    let a: Tell = args(a)?;
    let payload = json!({ "text": a.sentence, "about": a.about });
    let instruct = instruct_of("strategic.instruct", &payload)?;
    let wait = wait_of(a.wait_seconds)?;
    let task = NewTask::typed(
        "roles.crm",
        &TaskPayload::StrategicInstruct(instruct.clone()),
        format!("agent:{}", token.agent),
    );
    // Stored as the person the agent relays, with its task, in one
    // transaction: the same path as the API's.
    let mut tx = state
        .db
        .begin(token.client(), Actor::Relay)
        .await
        .map_err(said)?;
    room_in_queue(state, &mut tx).await?;
    let given_by = format!("agent:{}", token.agent);
    let done = instructions::give(&mut tx, &given_by, &instruct, task)
        .await
        .map_err(|e| match e {
            DbError::NotFound => "about names no contact, company or deal of this client".into(),
            other => said(other),
        })?;
    tx.commit().await.map_err(said)?;
    followed(state, token, done, wait).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ask {
    question: String,
    wait_seconds: Option<u64>,
}

async fn ask_arlo(state: &AppState, token: &ApiToken, a: Value) -> Result<Outcome, Failed> {
    let a: Ask = args(a)?;
    let payload = json!({ "text": a.question });
    let instruct = instruct_of("crm.query", &payload)?;
    let wait = wait_of(a.wait_seconds)?;
    let task = NewTask::typed(
        "roles.crm",
        &TaskPayload::CrmQuery(instruct),
        format!("agent:{}", token.agent),
    );
    let mut tx = state
        .db
        .begin(token.client(), Actor::Agent)
        .await
        .map_err(said)?;
    room_in_queue(state, &mut tx).await?;
    let done = tasks::enqueue(&mut tx, &task).await.map_err(said)?;
    tx.commit().await.map_err(said)?;
    followed(state, token, done, wait).await
}

/// The sentence decoded as the API decodes a task's payload.
fn instruct_of(kind: &str, payload: &Value) -> Result<Instruct, Failed> {
    match TaskPayload::decode(kind, payload) {
        Ok(TaskPayload::StrategicInstruct(i) | TaskPayload::CrmQuery(i)) => Ok(i),
        Ok(_) => Err("not a sentence for arlo".into()),
        Err(e) => Err(format!(
            "{}: {}",
            e.field.replace("payload.text", "sentence"),
            e.message
        )),
    }
}

fn wait_of(seconds: Option<u64>) -> Result<Duration, Failed> {
    match seconds.unwrap_or(10) {
        s @ 0..=30 => Ok(Duration::from_secs(s)),
        _ => Err("wait_seconds is between 0 and 30".into()),
    }
}

/// One agent's flood must not bury the client's queue (as the API's 429).
async fn room_in_queue(state: &AppState, tx: &mut Tx) -> Result<(), Failed> {
    let queued = tasks::queued_by_agents(tx).await.map_err(said)?;
    if queued >= state.api.queued_limit {
        return Err(format!(
            "{queued} tasks from agents are waiting for this client; try again later"
        ));
    }
    Ok(())
}

/// The task, after waiting up to `wait` for it to finish.
async fn followed(
    state: &AppState,
    token: &ApiToken,
    done: Enqueued,
    wait: Duration,
) -> Result<Outcome, Failed> {
    let (mut task, existing) = match done {
        Enqueued::Created(t) => (t, false),
        Enqueued::Existing(t) => (t, true),
    };
    let until = tokio::time::Instant::now() + wait;
    while !finished(&task) && tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let mut tx = read_tx(state, token).await?;
        task = tasks::get(&mut tx, task.id).await.map_err(said)?;
    }
    let mut outcome = Outcome::ok(
        json!({ "task": task, "already_queued": existing }),
        format!("task {}", task.status.as_str()),
    );
    outcome.task_id = Some(task.id);
    Ok(outcome)
}

fn finished(t: &Task) -> bool {
    matches!(
        t.status,
        TaskStatus::Succeeded | TaskStatus::Failed | TaskStatus::Cancelled
    )
}

async fn task_status(state: &AppState, token: &ApiToken, a: Value) -> Result<Outcome, Failed> {
    let ById { id } = args(a)?;
    let mut tx = read_tx(state, token).await?;
    let task = tasks::get(&mut tx, id).await.map_err(said)?;
    let mut outcome = Outcome::ok(
        json!({ "task": task }),
        format!("task {}", task.status.as_str()),
    );
    outcome.task_id = Some(id);
    Ok(outcome)
}
