//! Email sequences and enrollments, as the cockpit and arlo see them.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::text_enum::text_enum;

text_enum! {
    /// Whether a sequence sends.
    pub enum SequenceStatus {
        Active = "active",
        Paused = "paused",
    }
}

text_enum! {
    /// Where one contact is in one sequence.
    pub enum EnrollmentStatus {
        Active = "active",
        Paused = "paused",
        Complete = "complete",
        Replied = "replied",
        Stopped = "stopped",
    }
}

impl EnrollmentStatus {
    /// Still in the sequence: it may send again once active.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::Paused)
    }
}

text_enum! {
    /// Why an enrollment was paused or stopped.
    pub enum StopReason {
        Replied = "replied",
        Unsubscribed = "unsubscribed",
        Bounced = "bounced",
        Complained = "complained",
        NoEmailAddress = "no_email_address",
        /// The provider refused the message itself (the send row says why).
        Rejected = "rejected",
        /// A send's outcome is unknown and a person must decide.
        NeedsReview = "needs_review",
        PausedByUser = "paused_by_user",
        Unenrolled = "unenrolled",
        /// The contact was archived (or moved out of reach) while enrolled.
        ContactArchived = "contact_archived",
        CompanyArchived = "company_archived",
        /// Preparing the step failed for a reason of its own data.
        Unpreparable = "unpreparable",
    }
}

impl StopReason {
    /// The reason as a person reads it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Replied => "replied",
            Self::Unsubscribed => "unsubscribed",
            Self::Bounced => "bounced",
            Self::Complained => "complained",
            Self::NoEmailAddress => "no email address",
            Self::Rejected => "the provider refused the email",
            Self::NeedsReview => "a send needs review",
            Self::PausedByUser => "paused by you",
            Self::Unenrolled => "unenrolled",
            Self::ContactArchived => "the contact was archived",
            Self::CompanyArchived => "the contact's company was archived",
            Self::Unpreparable => "the step could not be prepared",
        }
    }
}

text_enum! {
    /// Why an address gets no more sequence mail from a client.
    pub enum SuppressionReason {
        Unsubscribed = "unsubscribed",
        Bounced = "bounced",
        Complained = "complained",
        /// The person asked to be erased: only the hash of the address
        /// is kept, so they are never mailed again.
        Erased = "erased",
    }
}

impl From<SuppressionReason> for StopReason {
    fn from(r: SuppressionReason) -> Self {
        match r {
            SuppressionReason::Unsubscribed => Self::Unsubscribed,
            SuppressionReason::Bounced => Self::Bounced,
            SuppressionReason::Complained => Self::Complained,
            // A contact added again after an erasure asked not to be mailed.
            SuppressionReason::Erased => Self::Unsubscribed,
        }
    }
}

/// One step: wait `delay_days` (calendar or business days) after the
/// previous send (after enrollment, for the first), then send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub delay_days: i32,
    #[serde(default)]
    pub business_days: bool,
    pub subject: String,
    pub body: String,
    /// What the step is for ("ask for a short call"), for a personalised
    /// draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Sequence {
    pub id: Uuid,
    pub client_id: Uuid,
    pub name: String,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub steps: Vec<Step>,
    pub status: SequenceStatus,
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    /// ISO weekdays, 1 = Monday.
    pub weekdays: Vec<i32>,
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Arlo's model personalises each step from the template (which stays
    /// the fallback).
    pub personalised: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Enrollment {
    pub id: Uuid,
    pub client_id: Uuid,
    pub sequence_id: Uuid,
    pub contact_id: Uuid,
    pub current_step: i32,
    pub next_due_at: Option<DateTime<Utc>>,
    pub status: EnrollmentStatus,
    pub stop_reason: Option<StopReason>,
    pub reply_token: String,
    pub first_message_id: Option<String>,
    pub last_sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A sequence with its counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SequenceMetrics {
    pub id: Uuid,
    pub name: String,
    pub status: SequenceStatus,
    pub steps: i32,
    pub enrolled: i64,
    pub active: i64,
    pub sent: i64,
    pub opened: i64,
    pub clicked: i64,
    pub replied: i64,
    pub bounced: i64,
    pub unsubscribed: i64,
}

/// An enrollment on the contact page, with its sequence's name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrollmentView {
    pub enrollment: Enrollment,
    pub sequence_name: String,
    pub steps: i32,
}

/// A rendered step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub subject: String,
    pub text: String,
}

/// Template tokens a step may use.
pub const TOKENS: [&str; 6] = [
    "first_name",
    "last_name",
    "full_name",
    "company",
    "job_title",
    "sender_name",
];

/// Names the tokens in `template` that are not in [`TOKENS`].
pub fn unknown_tokens(template: &str) -> Vec<String> {
    let mut bad = vec![];
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !TOKENS.contains(&name) {
            bad.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    bad
}

/// Replaces `{{token}}` with its value (missing values become empty).
pub fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&value(after[..end].trim()).unwrap_or_default());
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fill_and_unknown_ones_are_named() {
        let t = "Hi {{ first_name }}, how is {{company}}? {{nope}} {{";
        assert_eq!(unknown_tokens(t), ["nope"]);
        let filled = fill(t, |k| (k == "first_name").then(|| "Ada".to_string()));
        assert_eq!(filled, "Hi Ada, how is ?  {{");
    }
}

/// Inbound mail as the cockpit lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InboundMail {
    pub id: Uuid,
    pub from_email: String,
    pub subject: Option<String>,
    pub enrollment_id: Option<Uuid>,
    pub received_at: DateTime<Utc>,
}
