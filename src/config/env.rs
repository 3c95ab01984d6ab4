//! The one reader of environment variables: each value is parsed here,
//! with an error that names the variable.

use std::time::Duration;

use anyhow::{anyhow, bail};
use secrecy::SecretString;
use serde::de::DeserializeOwned;

/// A lookup of variables by name: the process environment, or a fixed list
/// in tests.
pub struct Env<'a>(pub &'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    pub fn text(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    pub fn secret(&self, name: &str) -> Option<SecretString> {
        self.text(name).map(SecretString::from)
    }

    /// A whole number: the variable, else the file's value, else `default`.
    pub fn number(&self, name: &str, file: Option<u64>, default: u64) -> anyhow::Result<u64> {
        match self.text(name) {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| anyhow!("{name} {v:?} is not a whole number")),
            None => Ok(file.unwrap_or(default)),
        }
    }

    /// A duration in milliseconds, more than zero.
    pub fn millis(&self, name: &str, file: Option<u64>, default: u64) -> anyhow::Result<Duration> {
        let v = self.number(name, file, default)?;
        if v == 0 {
            bail!("{name} must be more than 0");
        }
        Ok(Duration::from_millis(v))
    }

    /// `on`/`off` (or true/false, 1/0): the variable, else the file's
    /// value, else `default`.
    pub fn switch(&self, name: &str, file: Option<bool>, default: bool) -> anyhow::Result<bool> {
        match self.text(name).as_deref().map(str::trim) {
            Some("on" | "true" | "1") => Ok(true),
            Some("off" | "false" | "0") => Ok(false),
            Some(v) => bail!("{name} {v:?} is not on or off"),
            None => Ok(file.unwrap_or(default)),
        }
    }

    /// A JSON value; `shape` says what was expected when it does not parse.
    pub fn json<T: DeserializeOwned>(&self, name: &str, shape: &str) -> anyhow::Result<Option<T>> {
        self.text(name)
            .map(|json| {
                serde_json::from_str(&json).map_err(|e| anyhow!("{name} is not {shape}: {e}"))
            })
            .transpose()
    }
}
