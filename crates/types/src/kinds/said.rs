//! The payloads of what people and their tools say to arlo: an
//! instruction or a question (a sentence, about a record), a meeting's
//! notes, a received email to read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{EmailAddress, RecordRef};

/// `strategic.instruct`: the founder's sentence for arlo to carry out on
/// strategic fields. The stored instruction it acts on is the task's own
/// (`instruction_id`), set where the instruction was stored, never here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instruct {
    pub text: Sentence,
    /// The record the sentence is about when it does not say (the page it
    /// was typed on).
    #[serde(default)]
    pub about: Option<RecordRef>,
}

/// Whether a sentence asks something (`crm.query`) rather than tells arlo
/// what was decided (`strategic.instruct`): a question mark, or a first
/// word that asks or asks for writing.
pub fn is_question(text: &str) -> bool {
    const ASKING: [&str; 14] = [
        "who",
        "what",
        "which",
        "when",
        "how",
        "why",
        "summarise",
        "summarize",
        "list",
        "show",
        "draft",
        "write",
        "find",
        "give",
    ];
    let text = text.trim();
    let first = text
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_lowercase();
    text.ends_with('?') || ASKING.contains(&first.as_str())
}

/// A founder's sentence: some words, at most 2,000 characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sentence(String);

impl Sentence {
    pub const MAX_CHARS: usize = 2000;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sentence {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            Err("say what arlo should do".into())
        } else if s.chars().count() > Self::MAX_CHARS {
            Err(format!("at most {} characters", Self::MAX_CHARS))
        } else {
            Ok(Self(s.to_string()))
        }
    }
}

impl From<Sentence> for String {
    fn from(s: Sentence) -> String {
        s.0
    }
}

/// `meeting.note`: a meeting's notes from a notes tool (Quill), to attach
/// to the attendees' contacts and their open deal, with action items and
/// any date to talk again turned into a suggestion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingNote {
    /// The notes tool's own id of the meeting: one note per meeting.
    pub meeting_id: String,
    pub title: String,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    pub attendees: Vec<EmailAddress>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub action_items: Vec<String>,
}

/// `email.inbound`: a received email the provider's webhook announced, to
/// fetch and read (a reply, an automatic reply, a bounce report).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundEmail {
    /// The provider's id of the received email.
    pub email_id: String,
    /// The enrollment its reply-to token named, if any.
    #[serde(default)]
    pub enrollment_id: Option<uuid::Uuid>,
    pub from: String,
    #[serde(default)]
    pub subject: Option<String>,
}
