//! The email outbox as people see it: sends that need a decision, what
//! they may decide, and whether the client's sending is paused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::text_enum::text_enum;

text_enum! {
    /// An outbox row: waiting to be (re)sent, sent, failed for good,
    /// unknown and waiting for a person, or skipped by a person.
    pub enum SendStatus {
        /// Drafted by arlo; nothing is sent until a person sends it.
        Draft = "draft",
        Pending = "pending",
        Sent = "sent",
        Failed = "failed",
        Review = "review",
        Dropped = "dropped",
    }
}

text_enum! {
    /// What a person decides about a send in review or a failed one.
    pub enum SendAction {
        /// It did go out (the provider's id, if known, is kept).
        MarkSent = "mark_sent",
        /// The same bytes under the same key, while the provider still
        /// knows the key.
        SendAgain = "send_again",
        /// Skip this step; the enrollment goes on with the next.
        Drop = "drop",
    }
}

/// The provider remembers an idempotency key this long.
pub const KEY_KEPT_HOURS: i64 = 24;

/// Sending stopped for the client: until a time (a quota), or until a
/// person resumes it (`until` none: the account itself was refused).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendingPause {
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
}

/// A send waiting for a person's decision, with what is known of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendDecision {
    pub id: Uuid,
    pub to_email: String,
    /// The sequence step; none for an email arlo drafted.
    pub step: Option<i32>,
    pub status: SendStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub provider_id: Option<String>,
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// "Send again" is offered only while the provider knows the key.
    pub can_send_again: bool,
}
