//! Types shared by the server, the data layer and the browser. With the
//! `ssr` feature they also decode straight from the `crm_*` views.

pub mod edits;
mod email;
pub mod format;
pub mod import;
mod ingest;
mod integrations;
mod judgment;
pub mod kinds;
mod next;
mod onboarding;
mod outbox;
mod records;
mod search;
mod sequences;
mod server_html;
mod tables;
mod tasks;
mod text_enum;
mod timeline;
mod today;
mod todos;
mod views;

pub use email::EmailAddress;
pub use ingest::*;
pub use integrations::Integration;
pub use judgment::*;
pub use next::{safe_next, LANDING};
pub use onboarding::OnboardingChecklist;
pub use outbox::*;
pub use records::*;
pub use search::{Found, FoundKind, RecordHit, RecordKind, RecordLink};
pub use sequences::*;
pub use server_html::ServerHtml;
pub use tables::*;
pub use tasks::*;
pub use timeline::*;
pub use today::*;
pub use todos::*;
pub use views::*;

use serde::{Deserialize, Serialize};

/// What the cockpit's database check reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbStatus {
    pub server_version: String,
    pub schema_version: i64,
}
