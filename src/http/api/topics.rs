//! `GET /api/v1/topics/{topic}/messages`: a topic read with a cursor.

use std::collections::HashMap;

use axum::{
    extract::{
        rejection::{PathRejection, QueryRejection},
        Path, Query, State,
    },
    Json,
};
use redkey_data::tasks;
use redkey_types::{valid_topic, TopicMessage};
use serde::Serialize;

use super::{auth::Agent, ApiError, AppState};

#[derive(Serialize)]
pub(super) struct MessagePage {
    messages: Vec<TopicMessage>,
    /// Pass as `after` to read on.
    next_after: i64,
}

pub(super) async fn messages(
    State(state): State<AppState>,
    agent: Agent,
    topic: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<MessagePage>, ApiError> {
    let Ok(Path(topic)) = topic else {
        return Err(ApiError::invalid("topic", "not a topic name"));
    };
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if !valid_topic(&topic) {
        return Err(ApiError::invalid("topic", "not a topic name"));
    }
    let number = |k: &str, default: i64, range: std::ops::RangeInclusive<i64>| match q.get(k) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    k,
                    format!("a whole number from {} to {}", range.start(), range.end()),
                )
            }),
    };
    let after = number("after", 0, 0..=i64::MAX)?;
    let limit = number("limit", 100, 1..=500)?;
    let mut tx = agent.tx(&state).await?;
    let messages = tasks::messages(&mut tx, Some(&topic), after, limit).await?;
    let next_after = messages.last().map(|m| m.id).unwrap_or(after);
    Ok(Json(MessagePage {
        messages,
        next_after,
    }))
}
