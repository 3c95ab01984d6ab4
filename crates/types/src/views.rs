//! View models the pages render, and the Twenty retirement registry.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Client, Company, Contact, Deal, Stage};

/// The signed-in user, their clients and the navigation they see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub client: Client,
    pub clients: Vec<Client>,
    pub views: Vec<ViewStatus>,
    /// Arlo's open suggestions in this client (the navigation's badge).
    pub suggestions: i64,
}

/// A Twenty screen and who serves it now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewStatus {
    pub key: String,
    pub label: String,
    pub cockpit_path: Option<String>,
    /// The day it was retired, as `YYYY-MM-DD`: only ever shown, and
    /// `Me`, which carries it, is decoded in every page's first wasm
    /// module, where a date type would bring chrono's parser along
    /// (BENCHMARKS.md, session 41).
    pub retired_on: Option<String>,
    pub twenty_url: Option<String>,
}

impl ViewStatus {
    /// Where navigation points: the cockpit page once retired, else Twenty.
    pub fn href(&self) -> Option<String> {
        match (&self.retired_on, &self.cockpit_path) {
            (Some(_), Some(p)) => Some(p.clone()),
            _ => self.twenty_url.clone(),
        }
    }

    pub fn in_cockpit(&self) -> bool {
        self.retired_on.is_some() && self.cockpit_path.is_some()
    }
}

/// The Twenty screens the cockpit replaces, in navigation order:
/// (key, label, cockpit path when the cockpit has it, Twenty path).
pub const TWENTY_VIEWS: [(&str, &str, Option<&str>, &str); 15] = [
    (
        "pipeline",
        "Pipeline",
        Some("/pipeline"),
        "/objects/opportunities?view=kanban",
    ),
    ("contacts", "Contacts", Some("/contacts"), "/objects/people"),
    (
        "companies",
        "Companies",
        Some("/companies"),
        "/objects/companies",
    ),
    ("deals", "Deals", Some("/deals"), "/objects/opportunities"),
    (
        "deal_page",
        "Deal page",
        Some("/deals"),
        "/object/opportunity",
    ),
    (
        "activity",
        "Activity timeline",
        Some("/activity"),
        "/objects/timelineActivities",
    ),
    ("notes", "Notes", Some("/notes"), "/objects/notes"),
    ("tasks", "To-dos", Some("/todos"), "/objects/tasks"),
    ("files", "Files", Some("/contacts"), "/objects/attachments"),
    ("trash", "Trash", Some("/trash"), "/objects/people"),
    ("export", "Export", Some("/contacts"), "/objects/people"),
    ("search", "Search", Some("/search"), "/objects/people"),
    (
        "pipeline_settings",
        "Pipeline settings",
        Some("/settings/pipelines"),
        "/settings/objects/opportunities",
    ),
    (
        "members",
        "Members",
        Some("/settings/members"),
        "/settings/workspace-members",
    ),
    (
        "import",
        "Import",
        Some("/import"),
        "/settings/workspace/import",
    ),
];

/// A card as the board draws it: only what the card shows, since the
/// board carries a hundred or more of them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DealCard {
    pub id: Uuid,
    pub name: String,
    pub stage_id: Uuid,
    pub position: f64,
    pub amount_micros: Option<i64>,
    pub currency_code: String,
    pub priority: Option<crate::Priority>,
    pub company_name: Option<String>,
    pub days_in_stage: i64,
    /// Quiet for at least its stage's threshold: the rule
    /// `crm_needs_attention` applies, evaluated for this card alone.
    pub stale: bool,
}

/// A card as the board page sends it a second time for hydration: an array,
/// not an object. Escaped into the page, the field names were 40% of the
/// 43 KB the board's cards took (BENCHMARKS.md, session 27). The derived
/// `Deserialize` reads the array back, in the fields' order.
impl Serialize for DealCard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (
            self.id,
            &self.name,
            self.stage_id,
            self.position,
            self.amount_micros,
            &self.currency_code,
            self.priority,
            &self.company_name,
            self.days_in_stage,
            self.stale,
        )
            .serialize(s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub pipelines: Vec<(Uuid, String)>,
    pub pipeline_id: Option<Uuid>,
    /// The pipeline's stages with their totals (of the filtered deals when
    /// a filter is set).
    pub stages: Vec<Stage>,
    /// The cards shown: per open column the first ones in position order,
    /// in the paged column those after its cursor.
    pub cards: Vec<DealCard>,
    /// Per column with more cards than shown, the cursor of its last card.
    pub more: Vec<(Uuid, String)>,
    /// Won and lost columns show only their totals unless opened.
    pub collapsed: Vec<Uuid>,
    /// The column paged past its first cards, if any.
    pub paged: Option<Uuid>,
    /// The first open deals that need attention, stalest first; `more`
    /// when there are others.
    pub attention: Vec<crate::Attention>,
    pub attention_more: bool,
}

/// One line of the contacts list: what the table shows and no more (the
/// agents' contact search answers with it too).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactRow {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub priority: Option<crate::Priority>,
    pub last_activity_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactPage {
    /// The rows, written on the server.
    pub rows_html: crate::ServerHtml,
    /// Sequences to enroll the chosen rows in, as (id, name).
    pub sequences: Vec<(Uuid, String)>,
    /// The cursor for the next page, if there is one.
    pub next: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactDetail {
    pub contact: Contact,
    pub company: Option<Company>,
    pub deals: Vec<Deal>,
    pub timeline: crate::TimelineShown,
    pub enrollments: Vec<crate::EnrollmentView>,
    /// Sequences the contact could be enrolled in, as (id, name).
    pub sequences: Vec<(Uuid, String)>,
    /// Why the address is never emailed (unsubscribed, bounced, ...).
    pub suppressed: Option<crate::SuppressionReason>,
    /// Meetings to come with them (from synced calendars): title, start.
    pub meetings: Vec<(String, chrono::DateTime<chrono::Utc>)>,
}

/// One person in a company's list of people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonLine {
    pub id: Uuid,
    pub name: String,
    pub job_title: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompanyDetail {
    pub company: Company,
    /// Its first people by name, and whether it has more.
    pub people: Vec<PersonLine>,
    pub more_people: bool,
    /// Its newest deals as (id, name), and whether it has more.
    pub deals: Vec<(Uuid, String)>,
    pub more_deals: bool,
    /// Its activities and audited changes, one page, newest first.
    pub timeline: crate::TimelineShown,
    /// Account owner choices, as (member id, name).
    pub members: Vec<(Uuid, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DealDetail {
    pub deal: Deal,
    pub stage_name: String,
    pub company: Option<Company>,
    pub contact: Option<Contact>,
    pub timeline: crate::TimelineShown,
    /// Owner choices, as (member id, name).
    pub members: Vec<(Uuid, String)>,
}

/// Activity kinds the feed filters by.
pub const ACTIVITY_KINDS: [&str; 11] = [
    "email_sent",
    "email_opened",
    "email_clicked",
    "email_replied",
    "email_bounced",
    "meeting",
    "call",
    "note",
    "form",
    "enrichment",
    "stage_change",
];

/// What the new-deal form offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DealFormOptions {
    pub stages: Vec<Stage>,
    pub members: Vec<(Uuid, String)>,
}

/// The pipeline settings page: every pipeline (some may have no stage yet)
/// and every live stage with its totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PipelineSettings {
    pub pipelines: Vec<(Uuid, String)>,
    pub stages: Vec<Stage>,
}

/// The members settings page; `me` is the signed-in user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembersSettings {
    pub members: Vec<crate::MemberRole>,
    pub me: Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_travels_as_an_array_and_comes_back_whole() {
        let card = DealCard {
            id: Uuid::from_u128(1),
            name: "Acme renewal".into(),
            stage_id: Uuid::from_u128(2),
            position: 3.5,
            amount_micros: Some(12_000_000),
            currency_code: "EUR".into(),
            priority: Some(crate::Priority::High),
            company_name: None,
            days_in_stage: 9,
            stale: true,
        };
        let json = serde_json::to_value(&card).unwrap();
        assert_eq!(json.as_array().map(Vec::len), Some(10), "{json}");
        assert_eq!(serde_json::from_value::<DealCard>(json).unwrap(), card);
    }
}
