use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "priority_level", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Medium,
    High,
    Critical,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The largest amount one deal may have, in whole currency units.
pub const MAX_DEAL_AMOUNT: i64 = 1_000_000_000_000;

/// Where a record came from (Twenty's `createdBySource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "created_by_source", rename_all = "UPPERCASE")
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Source {
    Email,
    Calendar,
    Agent,
    Api,
    Import,
    Manual,
    System,
    Webhook,
    Form,
}

impl Source {
    /// As Twenty spells it (`createdBySource`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Calendar => "CALENDAR",
            Self::Agent => "AGENT",
            Self::Api => "API",
            Self::Import => "IMPORT",
            Self::Manual => "MANUAL",
            Self::System => "SYSTEM",
            Self::Webhook => "WEBHOOK",
            Self::Form => "FORM",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Client {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

crate::text_enum::text_enum! {
    /// What a person may do in a client: an admin also manages settings
    /// and members.
    pub enum Role {
        Admin = "admin",
        Member = "member",
    }
}

/// An invitation not yet accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// What an invitation link shows before accepting: who, where, and
/// whether they already have a password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InvitationInfo {
    pub email: String,
    pub client_name: String,
    pub known: bool,
}

/// A member of the client with their role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MemberRole {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub user_id: Option<Uuid>,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Member {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub user_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Contact {
    pub id: Uuid,
    pub client_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub city: Option<String>,
    pub company_id: Option<Uuid>,
    pub priority: Option<Priority>,
    pub relationship_note: Option<String>,
    pub strategy_note: Option<String>,
    pub recontact_at: Option<DateTime<Utc>>,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub enriched_at: Option<DateTime<Utc>>,
    pub email_thread_count: i32,
    pub open_count: i32,
    pub linkedin_url: Option<String>,
    pub sequence_step: Option<i32>,
    pub sequence_enrolled_at: Option<DateTime<Utc>>,
    pub created_by_source: Source,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Contact {
    /// The contact's address, when it has one that is a valid address (the
    /// column itself also holds what other applications wrote).
    pub fn email_address(&self) -> Option<crate::EmailAddress> {
        self.email
            .as_deref()
            .and_then(|e| crate::EmailAddress::parse(e).ok())
    }

    pub fn full_name(&self) -> String {
        full_name(&self.first_name, &self.last_name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Company {
    pub id: Uuid,
    pub client_id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub priority: Option<Priority>,
    pub strategy_note: Option<String>,
    pub account_owner_id: Option<Uuid>,
    pub ideal_customer_profile: bool,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub enriched_at: Option<DateTime<Utc>>,
    pub linkedin_url: Option<String>,
    pub employees: Option<i32>,
    pub company_size: Option<String>,
    pub industry: Option<String>,
    pub created_by_source: Source,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Deal {
    pub id: Uuid,
    pub client_id: Uuid,
    pub name: String,
    pub pipeline_id: Uuid,
    pub stage_id: Uuid,
    pub position: f64,
    pub stage_changed_at: DateTime<Utc>,
    pub amount_micros: Option<i64>,
    pub currency_code: String,
    pub close_date: Option<NaiveDate>,
    pub owner_id: Option<Uuid>,
    pub priority: Option<Priority>,
    pub strategy_note: Option<String>,
    pub recontact_at: Option<DateTime<Utc>>,
    pub contact_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub last_activity_at: Option<DateTime<Utc>>,
    pub created_by_source: Source,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Activity {
    pub id: Uuid,
    pub client_id: Uuid,
    pub kind: String,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub happens_at: DateTime<Utc>,
    pub contact_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    pub created_by_source: Source,
    pub created_at: DateTime<Utc>,
    /// Who else took part, as typed when it was logged by hand
    /// (`properties.attendees`).
    #[serde(default)]
    pub attendees: Vec<String>,
}

/// One stage of one pipeline, with its deal totals (a row of `crm_pipeline`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Stage {
    pub stage_id: Uuid,
    pub pipeline_id: Uuid,
    pub pipeline_name: String,
    pub pipeline_position: i32,
    pub stage_name: String,
    pub stage_position: i32,
    pub probability: i32,
    pub is_won: bool,
    pub is_lost: bool,
    /// Open deals quiet this many days are stale.
    pub stale_after_days: i32,
    pub deal_count: i64,
    /// The stage's total, in whole currency units (totals are summed in
    /// numeric: micros could overflow).
    pub amount_units: i64,
    pub weighted_units: i64,
}

/// The pipelines these stages belong to, as (id, name), in stage order.
pub fn pipelines_of(stages: &[Stage]) -> Vec<(Uuid, String)> {
    let mut pipelines: Vec<(Uuid, String)> = vec![];
    for s in stages {
        if !pipelines.iter().any(|(id, _)| *id == s.pipeline_id) {
            pipelines.push((s.pipeline_id, s.pipeline_name.clone()));
        }
    }
    pipelines
}

/// One audited change of a strategic or operational field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FieldChange {
    pub id: i64,
    pub view_name: String,
    pub row_id: Uuid,
    pub column_name: String,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub old_value: Option<serde_json::Value>,
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    pub new_value: Option<serde_json::Value>,
    pub acting_role: String,
    pub user_id: Option<Uuid>,
    pub on_behalf_of: Option<Uuid>,
    pub changed_at: DateTime<Utc>,
    /// The sentence arlo carried out, when it acted on an instruction.
    pub instruction: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Note {
    pub id: Uuid,
    pub title: String,
    pub body_markdown: String,
    pub created_at: DateTime<Utc>,
}

/// A note ready to show: its markdown rendered to HTML on the server with
/// raw HTML escaped, so the body can never inject markup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenderedNote {
    pub id: Uuid,
    pub title: String,
    pub html: String,
    pub created_at: DateTime<Utc>,
}

crate::text_enum::text_enum! {
    /// What the trash holds.
    pub enum ArchivedKind {
        Contact = "contact",
        Company = "company",
        Deal = "deal",
        Note = "note",
        Attachment = "attachment",
        Todo = "todo",
    }
}

impl ArchivedKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Contact => "Contact",
            Self::Company => "Company",
            Self::Deal => "Deal",
            Self::Note => "Note",
            Self::Attachment => "File",
            Self::Todo => "To-do",
        }
    }
}

/// A row of `crm_trash`: something archived, restorable until purged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TrashItem {
    pub kind: ArchivedKind,
    pub id: Uuid,
    pub label: String,
    pub deleted_at: DateTime<Utc>,
}

/// A note on the notes page: rendered, with the records it is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoteItem {
    pub note: RenderedNote,
    pub links: Vec<crate::RecordLink>,
}

/// A page of the notes list and the cursor of the next, if any.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotesPage {
    pub notes: Vec<NoteItem>,
    pub next: Option<Uuid>,
}

/// An open deal that needs attention, and why (`crm_needs_attention`: the
/// one rule behind the daily report, the pipeline's panel and the stale
/// badge).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Attention {
    pub deal_id: Uuid,
    pub name: String,
    pub stage_name: String,
    /// Whole days since its last activity (or its creation).
    pub idle_days: i32,
    /// Quiet for its stage's threshold.
    pub stale: bool,
    /// Its close date has passed, in the client's time zone.
    pub overdue: bool,
    pub no_recontact: bool,
}

impl Attention {
    /// The reasons, as a person reads them.
    pub fn reasons(&self) -> Vec<String> {
        let mut out = vec![];
        if self.stale {
            out.push(format!("no activity for {} days", self.idle_days));
        }
        if self.overdue {
            out.push("close date passed".into());
        }
        if self.no_recontact {
            out.push("no recontact date".into());
        }
        out
    }
}

/// A file on a record, as its panel lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FileItem {
    pub id: Uuid,
    pub name: String,
    pub size_bytes: Option<i64>,
    pub content_type: Option<String>,
    /// The uploading member's name.
    pub uploader: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl FileItem {
    pub fn previewable(&self) -> Option<&'static str> {
        preview_kind(self.content_type.as_deref())
    }
}

/// Which files are shown in the page itself: images (never SVG, which can
/// carry script) and PDFs.
pub fn preview_kind(content_type: Option<&str>) -> Option<&'static str> {
    match content_type {
        Some("application/pdf") => Some("pdf"),
        Some(t) if t.starts_with("image/") && t != "image/svg+xml" => Some("image"),
        _ => None,
    }
}

/// A file's record: where its bytes are and how to serve them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StoredFile {
    pub id: Uuid,
    pub name: String,
    pub full_path: String,
    pub content_type: Option<String>,
}

/// The files of a record and the upload limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileList {
    pub files: Vec<FileItem>,
    pub max_bytes: u64,
}

/// A person's name as the cockpit shows it: first and last, either may be empty.
pub fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_string()
}
