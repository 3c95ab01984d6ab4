//! Cockpit settings the server hands to the pages: the Twenty instance,
//! which of its views the cockpit has retired (one configuration entry
//! each), and each client's email sender.

use std::{collections::BTreeMap, sync::Arc};

use chrono::NaiveDate;

use crate::model::{ViewStatus, TWENTY_VIEWS};

#[derive(Clone, Debug, Default)]
pub struct CockpitConfig {
    pub twenty_url: Option<String>,
    /// View key -> the day it was retired.
    pub retired: BTreeMap<String, NaiveDate>,
    /// Client slug -> the "Name <address>" its sequences send from.
    pub senders: BTreeMap<String, String>,
    /// Each client's daily model tokens, when a model is configured.
    pub daily_tokens: Option<u64>,
    /// Where the outside world reaches the cockpit (`REDKEY_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// Mail providers to connect with OAuth, by name.
    pub mail_oauth: Vec<String>,
    /// Cards per board column before "Show more" (25 when unset).
    pub board_cards: Option<u32>,
    /// The largest upload, in bytes.
    pub upload_max_bytes: u64,
    /// The largest CSV file an import may bring, in bytes.
    pub import_max_bytes: u64,
    /// Days an archived record stays in the trash.
    pub trash_days: u64,
}

/// The server's cockpit settings, shared: the context holds an `Arc`
/// because `use_context` clones what it returns, on every call.
pub fn config() -> Option<Arc<CockpitConfig>> {
    leptos::prelude::use_context::<Arc<CockpitConfig>>()
}

impl CockpitConfig {
    pub fn views(&self) -> Vec<ViewStatus> {
        TWENTY_VIEWS
            .iter()
            .map(|(key, label, cockpit, twenty)| ViewStatus {
                key: key.to_string(),
                label: label.to_string(),
                cockpit_path: cockpit.map(String::from),
                retired_on: self.retired.get(*key).map(|d| d.to_string()),
                twenty_url: self
                    .twenty_url
                    .as_ref()
                    .map(|base| format!("{}{twenty}", base.trim_end_matches('/'))),
            })
            .collect()
    }
}
