//! The secret store's keys: `REDKEY_SECRET_KEY` seals, the older keys in
//! `REDKEY_SECRET_KEYS_OLD` (comma-separated) still open what they sealed
//! until `redkey secrets rotate` re-seals it.

use redkey_data::secrets::SecretBox;
use secrecy::{ExposeSecret, SecretString};

use super::env::Env;

#[derive(Clone, Debug, Default)]
pub struct SecretSettings {
    pub key: Option<SecretString>,
    pub old: Option<SecretString>,
}

impl SecretSettings {
    pub(super) fn read(file_key: Option<SecretString>, env: &Env) -> anyhow::Result<Self> {
        let s = Self {
            key: env.secret("REDKEY_SECRET_KEY").or(file_key),
            old: env.secret("REDKEY_SECRET_KEYS_OLD"),
        };
        s.open()?;
        Ok(s)
    }

    /// The store, when a key is configured.
    pub fn open(&self) -> anyhow::Result<Option<SecretBox>> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        let old: Vec<&str> = self
            .old
            .as_ref()
            .map(|o| {
                o.expose_secret()
                    .split(',')
                    .filter(|k| !k.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        SecretBox::new(key.expose_secret(), &old)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("REDKEY_SECRET_KEY: {e}"))
    }
}
