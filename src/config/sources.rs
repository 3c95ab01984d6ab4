//! Ingestion sources declared in the config file (`[[sources]]`), applied
//! at start-up: created, or their settings and credential brought in line.

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    /// The client's slug.
    pub client: String,
    /// form, quill, imap or caldav.
    pub kind: String,
    pub name: String,
    #[serde(default = "empty")]
    pub settings: Value,
    /// The password, token or signing secret, sealed when applied.
    #[serde(default)]
    pub secret: Option<SecretString>,
}

fn empty() -> Value {
    Value::Object(Default::default())
}
