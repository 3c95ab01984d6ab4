//! Ingestion sources as the cockpit shows them, and the settings of each
//! kind.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::text_enum::text_enum;

text_enum! {
    pub enum SourceKind {
        Form = "form",
        Quill = "quill",
        Imap = "imap",
        Caldav = "caldav",
    }
}

/// A row of `crm_sources` (the credential itself never leaves the server).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct IngestSource {
    pub id: Uuid,
    pub kind: SourceKind,
    pub name: String,
    pub public_key: Option<String>,
    pub settings: Value,
    pub has_secret: bool,
    pub created_at: DateTime<Utc>,
}

/// A website form's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormSettings {
    /// Origins (`https://example.com`) whose pages may post to the form;
    /// a browser post from any other is refused.
    pub allowed_origins: Vec<String>,
    /// A field people leave empty and robots fill: a post with it set is
    /// answered as usual and stored nowhere.
    pub honeypot: String,
    /// Our field -> the submitted field's name.
    pub fields: FormFields,
    /// Where a browser goes after posting.
    pub thank_you_url: Option<String>,
    /// A sequence each new submitter is enrolled in.
    pub sequence_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormFields {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub phone: String,
    pub job_title: String,
    pub message: String,
}

impl Default for FormFields {
    fn default() -> Self {
        Self {
            email: "email".into(),
            first_name: "first_name".into(),
            last_name: "last_name".into(),
            company: "company".into(),
            phone: "phone".into(),
            job_title: "job_title".into(),
            message: "message".into(),
        }
    }
}

impl Default for FormSettings {
    fn default() -> Self {
        Self {
            allowed_origins: vec![],
            honeypot: "website".into(),
            fields: FormFields::default(),
            thank_you_url: None,
            sequence_id: None,
        }
    }
}

impl FormSettings {
    /// The HTML a person pastes into their site: posts to `action`.
    pub fn snippet(&self, action: &str) -> String {
        let f = &self.fields;
        format!(
            "<form method=\"post\" action=\"{action}\">\n  \
             <label>Email <input type=\"email\" name=\"{}\" required></label>\n  \
             <label>First name <input name=\"{}\"></label>\n  \
             <label>Last name <input name=\"{}\"></label>\n  \
             <label>Company <input name=\"{}\"></label>\n  \
             <label>Message <textarea name=\"{}\"></textarea></label>\n  \
             <div style=\"position:absolute;left:-10000px\" aria-hidden=\"true\">\
             <input name=\"{}\" tabindex=\"-1\" autocomplete=\"off\"></div>\n  \
             <button type=\"submit\">Send</button>\n</form>",
            f.email, f.first_name, f.last_name, f.company, f.message, self.honeypot
        )
    }
}

/// The Sources page: the client's sources and where they post to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourcesView {
    pub sources: Vec<IngestSource>,
    /// The cockpit's address as the outside world reaches it.
    pub base_url: String,
    pub client_slug: String,
    /// Whether credentials can be stored (`REDKEY_SECRET_KEY` is set).
    pub secrets_configured: bool,
    /// Sequences a form may enrol into, as (id, name).
    pub sequences: Vec<(Uuid, String)>,
    /// Mail providers to connect with OAuth, by name.
    pub oauth_providers: Vec<String>,
}
