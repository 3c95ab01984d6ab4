//! Arlo's model (the Anthropic Messages API): without a key arlo uses its
//! built-in interpreter.

use anyhow::bail;
use secrecy::SecretString;
use serde::Deserialize;

use super::env::Env;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ModelFile {
    api_key: Option<SecretString>,
    base_url: Option<String>,
    model: Option<String>,
    daily_tokens: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct ModelSettings {
    pub api_key: Option<SecretString>,
    pub base_url: String,
    /// The model id.
    pub model: String,
    /// Tokens (in and out) each client may spend a day, in its time zone;
    /// past it, the built-in interpreter answers until the next day.
    pub daily_tokens: u64,
}

impl ModelSettings {
    pub(super) fn read(file: ModelFile, env: &Env) -> anyhow::Result<Self> {
        let base_url = env
            .text("ANTHROPIC_BASE_URL")
            .or(file.base_url)
            .unwrap_or_else(|| "https://api.anthropic.com".into());
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            bail!("ANTHROPIC_BASE_URL {base_url:?} is not an http(s) URL");
        }
        let daily_tokens = env.number("REDKEY_MODEL_DAILY_TOKENS", file.daily_tokens, 500_000)?;
        Ok(Self {
            api_key: env.secret("ANTHROPIC_API_KEY").or(file.api_key),
            base_url,
            model: env
                .text("REDKEY_MODEL")
                .or(file.model)
                .unwrap_or_else(|| crate::arlo::model::DEFAULT_MODEL.into()),
            daily_tokens,
        })
    }
}
