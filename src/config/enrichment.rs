//! Contact enrichment: which provider, its key, and how much each client
//! may spend.

use anyhow::bail;
use secrecy::SecretString;
use serde::Deserialize;

use super::env::Env;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EnrichmentFile {
    provider: Option<String>,
    api_key: Option<SecretString>,
    base_url: Option<String>,
    monthly_credits: Option<u64>,
    refresh_days: Option<u64>,
    per_minute: Option<u64>,
    per_scan: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    Apollo,
    Pdl,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apollo => "apollo",
            Self::Pdl => "pdl",
        }
    }
}

#[derive(Clone, Debug)]
pub struct EnrichmentSettings {
    pub provider: Provider,
    /// None: enrichment is off.
    pub api_key: Option<SecretString>,
    pub base_url: String,
    /// Billed lookups per client per calendar month (its time zone).
    pub monthly_credits: u64,
    /// Contacts are looked up again after this many days, matched or not.
    pub refresh_days: u64,
    /// Requests a minute, spaced evenly (Apollo's free tier: 50).
    pub per_minute: u64,
    /// Contacts per hourly scan and client.
    pub per_scan: u64,
}

impl EnrichmentSettings {
    pub(super) fn read(file: EnrichmentFile, env: &Env) -> anyhow::Result<Self> {
        let provider = match env
            .text("REDKEY_ENRICH_PROVIDER")
            .or(file.provider)
            .as_deref()
            .unwrap_or("apollo")
        {
            "apollo" => Provider::Apollo,
            "pdl" => Provider::Pdl,
            other => bail!("REDKEY_ENRICH_PROVIDER {other:?}: apollo or pdl"),
        };
        let base_url = env
            .text("REDKEY_ENRICH_BASE_URL")
            .or(file.base_url)
            .unwrap_or_else(|| match provider {
                Provider::Apollo => "https://api.apollo.io".into(),
                Provider::Pdl => "https://api.peopledatalabs.com".into(),
            });
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            bail!("REDKEY_ENRICH_BASE_URL {base_url:?} is not an http(s) URL");
        }
        let per_minute = env.number("REDKEY_ENRICH_PER_MINUTE", file.per_minute, 50)?;
        if !(1..=10_000).contains(&per_minute) {
            bail!("REDKEY_ENRICH_PER_MINUTE must be between 1 and 10000");
        }
        Ok(Self {
            provider,
            api_key: env.secret("REDKEY_ENRICH_API_KEY").or(file.api_key),
            base_url,
            monthly_credits: env.number(
                "REDKEY_ENRICH_MONTHLY_CREDITS",
                file.monthly_credits,
                500,
            )?,
            refresh_days: env.number("REDKEY_ENRICH_REFRESH_DAYS", file.refresh_days, 90)?,
            per_minute,
            per_scan: env.number("REDKEY_ENRICH_PER_SCAN", file.per_scan, 50)?,
        })
    }
}
