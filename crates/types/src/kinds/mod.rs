//! Every kind of task arlo runs, each with its one payload type, declared
//! once. The API decodes a payload when the task is created (a bad one is
//! refused naming its field); the engine decodes it once before the
//! handler runs, and handlers receive the typed payload.

use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

use crate::{valid_topic, EmailAddress, ACTIVITY_KINDS};

mod said;

pub use said::{is_question, InboundEmail, Instruct, MeetingNote, Sentence};

/// A task's payload, by kind.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskPayload {
    ActivityLog(ActivityLog),
    CrmQuery(Instruct),
    DatabaseBackup(Tick),
    Echo(Echo),
    EmailDomainCheck(Tick),
    EmailInbound(InboundEmail),
    EnrichmentScan(Tick),
    ImportRun(ImportRun),
    MailboxSync(Tick),
    MeetingNote(MeetingNote),
    PipelineHealth(Tick),
    SequenceStep(Tick),
    StrategicInstruct(Instruct),
    TopicForward(Forward),
    TrashPurge(Tick),
}

/// `activity.log`: log a meeting, call or note on the contact with this
/// email, once per `external_key` (default: the task).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityLog {
    pub contact_email: EmailAddress,
    pub kind: LoggableKind,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub happens_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub external_key: Option<String>,
}

/// `import.run`: the current run of a CSV import (a dry run or the
/// import, as its status says), as the person who uploaded the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRun {
    pub import: uuid::Uuid,
}

/// `engine.echo`: a probe of the queue. Waits `sleep_ms`, fails when
/// asked, optionally posts `reply` on the topic `post`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Echo {
    #[serde(default)]
    pub sleep_ms: Option<u64>,
    #[serde(default)]
    pub fail: Option<FailAs>,
    #[serde(default)]
    pub reply: Option<Value>,
    #[serde(default)]
    pub post: Option<Topic>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailAs {
    Retry,
    Permanent,
}

/// The timer kinds' payload: the slot a tick stands for, or a person's
/// "run now".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tick {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub run_now: bool,
}

/// `topic.forward`: deliver one topic message to one configured webhook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forward {
    pub message_id: i64,
    /// Index into the configured topic webhooks.
    pub webhook: usize,
}

/// An activity kind a task may log: not an email event (those come from
/// the provider).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoggableKind(String);

impl LoggableKind {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LoggableKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if ACTIVITY_KINDS.contains(&s.as_str()) && !s.starts_with("email_") {
            Ok(Self(s))
        } else {
            Err(format!(
                "{s:?} is not a loggable activity (meeting, call, note, form, ...)"
            ))
        }
    }
}

impl From<LoggableKind> for String {
    fn from(k: LoggableKind) -> String {
        k.0
    }
}

/// A topic name: dot-separated lowercase words (`roles.exec`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Topic(String);

impl Topic {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Topic {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if valid_topic(&s) {
            Ok(Self(s))
        } else {
            Err(format!(
                "{s:?} is not a topic (dot-separated lowercase words)"
            ))
        }
    }
}

impl From<Topic> for String {
    fn from(t: Topic) -> String {
        t.0
    }
}

/// Why a payload was refused: the field (`payload.contact_email`) and what
/// is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl TaskPayload {
    /// Decodes the payload of a task of `kind`.
    pub fn decode(kind: &str, payload: &Value) -> Result<Self, PayloadError> {
        // serde would read a struct from an array too.
        if !payload.is_object() {
            return Err(PayloadError {
                field: "payload".into(),
                message: "the payload is a JSON object".into(),
            });
        }
        // Postgres cannot store NUL in jsonb; say so instead of failing later.
        if let Some(field) = nul_in(payload, "payload") {
            return Err(PayloadError {
                field,
                message: "text may not contain NUL (\\u0000)".into(),
            });
        }
        Ok(match kind {
            "activity.log" => Self::ActivityLog(decode(payload)?),
            "crm.query" => Self::CrmQuery(decode(payload)?),
            "database.backup" => Self::DatabaseBackup(decode(payload)?),
            "engine.echo" => Self::Echo(decode(payload)?),
            "email.domain_check" => Self::EmailDomainCheck(decode(payload)?),
            "email.inbound" => Self::EmailInbound(decode(payload)?),
            "enrichment.scan" => Self::EnrichmentScan(decode(payload)?),
            "import.run" => Self::ImportRun(decode(payload)?),
            "mailbox.sync" => Self::MailboxSync(decode(payload)?),
            "meeting.note" => Self::MeetingNote(decode(payload)?),
            "pipeline.health" => Self::PipelineHealth(decode(payload)?),
            "sequence.step" => Self::SequenceStep(decode(payload)?),
            "strategic.instruct" => Self::StrategicInstruct(decode(payload)?),
            "topic.forward" => Self::TopicForward(decode(payload)?),
            "trash.purge" => Self::TrashPurge(decode(payload)?),
            other => {
                return Err(PayloadError {
                    field: "kind".into(),
                    message: format!("{other:?} is not a kind of task arlo runs"),
                })
            }
        })
    }

    /// Whether other agents may create tasks of this kind through the API.
    /// Timer kinds are the engine's (a second run of a sequence step could
    /// race the daily cap), forwarding too; `engine.echo` sleeps on request
    /// and is only for test harnesses.
    pub fn creatable_by_agents(kind: &str, test_kinds: bool) -> bool {
        match kind {
            "activity.log" | "crm.query" | "strategic.instruct" => true,
            "engine.echo" => test_kinds,
            _ => false,
        }
    }

    /// The payload of a timer kind's task (none for other kinds).
    pub fn timer(kind: &str, tick: Tick) -> Option<Self> {
        match kind {
            "database.backup" => Some(Self::DatabaseBackup(tick)),
            "email.domain_check" => Some(Self::EmailDomainCheck(tick)),
            "enrichment.scan" => Some(Self::EnrichmentScan(tick)),
            "mailbox.sync" => Some(Self::MailboxSync(tick)),
            "pipeline.health" => Some(Self::PipelineHealth(tick)),
            "sequence.step" => Some(Self::SequenceStep(tick)),
            "trash.purge" => Some(Self::TrashPurge(tick)),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::ActivityLog(_) => "activity.log",
            Self::CrmQuery(_) => "crm.query",
            Self::DatabaseBackup(_) => "database.backup",
            Self::Echo(_) => "engine.echo",
            Self::EmailDomainCheck(_) => "email.domain_check",
            Self::EmailInbound(_) => "email.inbound",
            Self::EnrichmentScan(_) => "enrichment.scan",
            Self::ImportRun(_) => "import.run",
            Self::MailboxSync(_) => "mailbox.sync",
            Self::MeetingNote(_) => "meeting.note",
            Self::PipelineHealth(_) => "pipeline.health",
            Self::SequenceStep(_) => "sequence.step",
            Self::StrategicInstruct(_) => "strategic.instruct",
            Self::TopicForward(_) => "topic.forward",
            Self::TrashPurge(_) => "trash.purge",
        }
    }

    /// The payload as stored in the queue.
    pub fn to_value(&self) -> Value {
        let v = match self {
            Self::ActivityLog(p) => serde_json::to_value(p),
            Self::Echo(p) => serde_json::to_value(p),
            Self::DatabaseBackup(p)
            | Self::EmailDomainCheck(p)
            | Self::EnrichmentScan(p)
            | Self::MailboxSync(p)
            | Self::PipelineHealth(p)
            | Self::SequenceStep(p)
            | Self::TrashPurge(p) => serde_json::to_value(p),
            Self::CrmQuery(p) | Self::StrategicInstruct(p) => serde_json::to_value(p),
            Self::MeetingNote(p) => serde_json::to_value(p),
            Self::EmailInbound(p) => serde_json::to_value(p),
            Self::ImportRun(p) => serde_json::to_value(p),
            Self::TopicForward(p) => serde_json::to_value(p),
        };
        v.expect("payload types serialise")
    }
}

/// The path of the first string (or key) holding a NUL character.
fn nul_in(v: &Value, path: &str) -> Option<String> {
    match v {
        Value::String(s) if s.contains('\0') => Some(path.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_in(x, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let here = format!("{path}.{k}");
            if k.contains('\0') {
                Some(here)
            } else {
                nul_in(x, &here)
            }
        }),
        _ => None,
    }
}

fn decode<T: DeserializeOwned>(payload: &Value) -> Result<T, PayloadError> {
    serde_path_to_error::deserialize(payload).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        // serde names a missing field only in the message, at the parent.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(name)) => format!("payload.{name}"),
            (".", None) => "payload".into(),
            (p, Some(name)) => format!("payload.{p}.{name}"),
            (p, None) => format!("payload.{p}"),
        };
        PayloadError { field, message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_good_payload_decodes_and_round_trips() {
        let v = json!({"contact_email": "Ada@Example.com", "kind": "meeting", "subject": "Coffee"});
        let p = TaskPayload::decode("activity.log", &v).unwrap();
        let TaskPayload::ActivityLog(a) = &p else {
            panic!("{p:?}")
        };
        assert_eq!(a.contact_email.as_str(), "Ada@example.com");
        assert_eq!(p.kind(), "activity.log");
        assert_eq!(
            TaskPayload::decode("activity.log", &p.to_value()).unwrap(),
            p
        );
    }

    #[test]
    fn a_bad_payload_names_its_field() {
        let cases = [
            (
                "activity.log",
                json!({"kind": "meeting"}),
                "payload.contact_email",
            ),
            (
                "activity.log",
                json!({"contact_email": "nope", "kind": "meeting"}),
                "payload.contact_email",
            ),
            (
                "activity.log",
                json!({"contact_email": "a@b.co", "kind": "email_sent"}),
                "payload.kind",
            ),
            (
                "activity.log",
                json!({"contact_email": "a@b.co", "kind": "call", "x": 1}),
                "payload.x",
            ),
            ("engine.echo", json!({"fail": "sometimes"}), "payload.fail"),
            (
                "engine.echo",
                json!({"post": "Not A Topic"}),
                "payload.post",
            ),
            (
                "sequence.step",
                json!({"slot": "yesterday"}),
                "payload.slot",
            ),
            ("topic.forward", json!({"message_id": 1}), "payload.webhook"),
            ("strategic.instruct", json!({"text": "  "}), "payload.text"),
            (
                "strategic.instruct",
                json!({"text": "Move it", "instruction_id": "00000000-0000-0000-0000-000000000000"}),
                "payload.instruction_id",
            ),
            (
                "strategic.instruct",
                json!({"text": "Move it", "about": {"kind": "planet", "id": "00000000-0000-0000-0000-000000000000"}}),
                "payload.about.kind",
            ),
            ("engine.echo", json!([1]), "payload"),
            (
                "engine.echo",
                json!({"reply": {"deep": ["ok", "nul\u{0}"]}}),
                "payload.reply.deep[1]",
            ),
        ];
        for (kind, payload, field) in cases {
            let err = TaskPayload::decode(kind, &payload).unwrap_err();
            assert_eq!(err.field, field, "{kind} {payload}: {err}");
        }
        assert_eq!(
            TaskPayload::decode("nope", &json!({})).unwrap_err().field,
            "kind"
        );
    }

    #[test]
    fn questions_are_told_from_instructions() {
        for q in [
            "Summarise the pipeline",
            "who should I recontact this week",
            "Draft a follow-up to Sarah after yesterday's call",
            "Is the Acme deal stalled?",
        ] {
            assert!(is_question(q), "{q}");
        }
        for i in [
            "The Acme deal is stalled — budget freeze until Q3, recontact in July",
            "Mark Sarah at Meridian as a priority",
            "Move the Volta deal to Negotiation, we're close",
        ] {
            assert!(!is_question(i), "{i}");
        }
    }

    #[test]
    fn timer_payloads_are_what_timers_and_run_now_store() {
        for v in [
            json!({}),
            json!({"slot": "2027-01-01T00:00:00Z"}),
            json!({"run_now": true}),
        ] {
            assert!(TaskPayload::decode("pipeline.health", &v).is_ok(), "{v}");
        }
    }
}
