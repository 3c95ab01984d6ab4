//! The agents' API: what other agents may ask for, and how much.

use anyhow::bail;
use serde::Deserialize;

use super::env::Env;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApiFile {
    test_kinds: Option<bool>,
    queued_limit: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct ApiSettings {
    /// Accept the test kinds (`engine.echo`, which sleeps on request):
    /// for test harnesses only.
    pub test_kinds: bool,
    /// Tasks other agents may have queued per client; past it, 429.
    pub queued_limit: i64,
}

impl ApiSettings {
    pub(super) fn read(file: ApiFile, env: &Env) -> anyhow::Result<Self> {
        let test_kinds = env.switch("REDKEY_TEST_KINDS", file.test_kinds, false)?;
        let queued_limit = env.number("REDKEY_API_QUEUED", file.queued_limit, 1_000)?;
        if !(1..=1_000_000).contains(&queued_limit) {
            bail!("REDKEY_API_QUEUED must be between 1 and 1000000");
        }
        Ok(Self {
            test_kinds,
            queued_limit: queued_limit as i64,
        })
    }
}
