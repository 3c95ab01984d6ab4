//! Resources: the pipeline summary, and a contact's timeline (activities
//! and the history of their fields), as JSON.

use redkey_data::{activities, audit, records, tokens::ApiToken, Actor};
use redkey_types::{Contact, RecordKind};
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{
    tools::{pipeline_summary, said},
    Outcome,
};
use crate::http::AppState;

const PIPELINE: &str = "redkey://pipeline";
const TIMELINE: &str = "redkey://contacts/{id}/timeline";

pub fn fixed() -> Vec<Resource> {
    vec![Resource::new(PIPELINE, "pipeline")
        .with_title("Pipeline summary")
        .with_description(
            "Each stage with its deal count, total and weighted total, and its first five \
             deals in board order.",
        )
        .with_mime_type("application/json")]
}

pub fn templates() -> Vec<ResourceTemplate> {
    vec![ResourceTemplate::new(TIMELINE, "contact_timeline")
        .with_title("A contact's timeline")
        .with_description(
            "The contact, their fifty most recent activities and the hundred latest changes of \
             their fields (who changed what, and on whose instruction).",
        )
        .with_mime_type("application/json")]
}

/// The contact a timeline URI names.
fn timeline_of(uri: &str) -> Option<Uuid> {
    uri.strip_prefix("redkey://contacts/")?
        .strip_suffix("/timeline")?
        .parse()
        .ok()
}

/// Reads `uri`; the name it is logged under, and what came of it.
pub async fn read(state: &AppState, token: &ApiToken, uri: &str) -> (&'static str, Outcome) {
    let (logged, done) = if uri == PIPELINE {
        (PIPELINE, pipeline(state, token).await)
    } else if let Some(id) = timeline_of(uri) {
        (TIMELINE, timeline(state, token, id).await)
    } else {
        (
            "unknown",
            Err(format!(
                "no resource {uri:?}: read {PIPELINE} or redkey://contacts/<id>/timeline"
            )),
        )
    };
    (logged, done.unwrap_or_else(Outcome::failed))
}

async fn pipeline(state: &AppState, token: &ApiToken) -> Result<Outcome, String> {
    let mut tx = state
        .db
        .begin_snapshot(token.client(), Actor::Agent)
        .await
        .map_err(said)?;
    let value = pipeline_summary(&mut tx, 5).await.map_err(said)?;
    Ok(Outcome::ok(value, "the pipeline"))
}

async fn timeline(state: &AppState, token: &ApiToken, id: Uuid) -> Result<Outcome, String> {
    let mut tx = state
        .db
        .begin_snapshot(token.client(), Actor::Agent)
        .await
        .map_err(said)?;
    let contact = records::get::<Contact>(&mut tx, id).await.map_err(said)?;
    let activity = activities::latest_of(&mut tx, RecordKind::Contact, id, None, 50)
        .await
        .map_err(said)?;
    let changes = audit::changes_of(&mut tx, id, 100).await.map_err(said)?;
    Ok(Outcome::ok(
        json!({ "contact": contact, "activities": activity, "field_changes": changes }),
        "a contact's timeline",
    ))
}

pub fn contents(uri: &str, value: &Value) -> ReadResourceResult {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    ReadResourceResult::new(vec![ResourceContents::TextResourceContents {
        uri: uri.into(),
        mime_type: Some("application/json".into()),
        text,
        meta: None,
    }])
}
