//! Outbound email through Resend: one account per client.

use anyhow::bail;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::env::Env;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EmailFile {
    base_url: Option<String>,
    rate_per_second: Option<f64>,
    #[serde(default)]
    accounts: Vec<EmailAccount>,
}

/// One client's Resend account: each client sends from its own verified
/// domain and signs its own webhooks.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailAccount {
    /// The client's slug.
    pub client: String,
    pub api_key: SecretString,
    /// Default sender, "Name <address>".
    pub from: String,
    /// Svix signing secret of the client's Resend webhooks (`whsec_...`).
    pub webhook_secret: SecretString,
    /// Inbound domain for reply-to addresses (`reply+<token>@domain`).
    #[serde(default)]
    pub reply_domain: Option<String>,
    /// Most sends per day once warmed up.
    #[serde(default = "default_daily_cap")]
    pub daily_cap: u32,
    /// A new domain's first-day cap; grows linearly to `daily_cap` over
    /// `warmup_days` (0 turns the ramp off).
    #[serde(default)]
    pub warmup_start: u32,
    #[serde(default)]
    pub warmup_days: u32,
}

fn default_daily_cap() -> u32 {
    500
}

#[derive(Clone, Debug)]
pub struct EmailSettings {
    pub base_url: String,
    /// Requests per second to each client's Resend account, shared by
    /// every instance.
    pub rate_per_second: f64,
    pub accounts: Vec<EmailAccount>,
}

impl EmailSettings {
    pub(super) fn read(file: EmailFile, env: &Env) -> anyhow::Result<Self> {
        let accounts: Vec<EmailAccount> = env
            .json(
                "REDKEY_EMAIL",
                "a list of {client, api_key, from, webhook_secret, ...}",
            )?
            .unwrap_or(file.accounts);
        for a in &accounts {
            if !a.webhook_secret.expose_secret().starts_with("whsec_") {
                bail!(
                    "email account {}: webhook_secret must start with whsec_",
                    a.client
                );
            }
            if !a.from.contains('@') {
                bail!(
                    "email account {}: from {:?} is not an address",
                    a.client,
                    a.from
                );
            }
        }
        let rate = match env.text("REDKEY_EMAIL_RATE") {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("REDKEY_EMAIL_RATE {v:?} is not a number"))?,
            None => file.rate_per_second.unwrap_or(5.0),
        };
        if !(rate > 0.0 && rate <= 1000.0) {
            bail!("REDKEY_EMAIL_RATE must be between 0 and 1000 requests per second");
        }
        Ok(Self {
            base_url: env
                .text("RESEND_BASE_URL")
                .or(file.base_url)
                .unwrap_or_else(|| "https://api.resend.com".into())
                .trim_end_matches('/')
                .to_string(),
            rate_per_second: rate,
            accounts,
        })
    }
}
