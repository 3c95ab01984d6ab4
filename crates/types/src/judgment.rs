//! What arlo's judgment produces and the cockpit shows: the outcome of a
//! founder's instruction (what changed, old → new, or the question back),
//! suggestions a person decides on, and model token use.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{text_enum::text_enum, RecordHit, RecordKind};

/// A record named by kind and id (the "about" of an instruction).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordRef {
    pub kind: RecordKind,
    pub id: Uuid,
}

text_enum! {
    /// Which interpreter turned the sentence into changes.
    pub enum AnsweredBy {
        Model = "model",
        BuiltIn = "built-in",
    }
}

/// One field arlo changed on a record, as words for a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedChange {
    pub kind: RecordKind,
    pub id: Uuid,
    pub label: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// How an instruction ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum InstructOutcome {
    /// Carried out: every change, per record (none when it already held).
    Done { changes: Vec<AppliedChange> },
    /// Nothing written: which record was meant?
    Ask {
        question: String,
        candidates: Vec<RecordHit>,
    },
    /// Nothing written: arlo will not do this (an operational field, no
    /// change it understood).
    Refused { reason: String },
}

/// The result of a `strategic.instruct` task, posted on `roles.crm`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstructResult {
    pub instruction_id: Uuid,
    pub sentence: String,
    pub answered_by: AnsweredBy,
    /// Why the model did not answer, when it was configured but the
    /// built-in interpreter did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    #[serde(flatten)]
    pub outcome: InstructOutcome,
}

impl InstructResult {
    /// One line for the topic's readers: the sentence and what came of it.
    pub fn summary(&self) -> String {
        let what = match &self.outcome {
            InstructOutcome::Done { changes } if changes.is_empty() => {
                "nothing to change".to_string()
            }
            InstructOutcome::Done { changes } => changes
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} {} → {}",
                        c.label,
                        c.field.replace('_', " "),
                        c.old.as_deref().unwrap_or("—"),
                        c.new.as_deref().unwrap_or("—")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            InstructOutcome::Ask { question, .. } => format!("asked back: {question}"),
            InstructOutcome::Refused { reason } => format!("refused: {reason}"),
        };
        format!("“{}” — {what}", self.sentence)
    }
}

/// The answer to a `crm.query`: words, and the records they rest on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryAnswer {
    pub question: String,
    pub answered_by: AnsweredBy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    pub answer: String,
    pub records: Vec<RecordHit>,
    /// The email arlo drafted, stored in the outbox as a draft: the
    /// founder's Send queues it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_id: Option<Uuid>,
    /// Why a drafted email could not be stored (no sender configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_note: Option<String>,
}

text_enum! {
    /// A strategic field a suggestion proposes a value for.
    pub enum SuggestedField {
        Priority = "priority",
        RecontactAt = "recontact_at",
        StrategyNote = "strategy_note",
        RelationshipNote = "relationship_note",
    }
}

text_enum! {
    pub enum SuggestionStatus {
        Open = "open",
        Accepted = "accepted",
        Dismissed = "dismissed",
    }
}

/// A row of `crm_suggestions`, with the record's name for display.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Suggestion {
    pub id: Uuid,
    pub record_kind: RecordKind,
    pub record_id: Uuid,
    pub record_label: String,
    pub field: SuggestedField,
    pub proposed: Value,
    pub why: String,
    pub source: String,
    pub status: SuggestionStatus,
    pub created_at: DateTime<Utc>,
}

/// Model tokens over a period, for the Arlo page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TokenUse {
    pub calls: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
}
