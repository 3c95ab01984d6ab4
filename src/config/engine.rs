//! How arlo's engine runs in this process.

use std::time::Duration;

use anyhow::bail;
use secrecy::SecretString;
use serde::Deserialize;

use super::env::Env;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EngineFile {
    enabled: Option<bool>,
    instance: Option<String>,
    workers: Option<usize>,
    poll_ms: Option<u64>,
    heartbeat_ms: Option<u64>,
    stale_ms: Option<u64>,
    backoff_ms: Option<u64>,
    timers: Option<bool>,
    retain_days: Option<u64>,
    retain_failed_days: Option<u64>,
    trash_days: Option<u64>,
    backup_keep: Option<u64>,
    agent_running: Option<usize>,
}

/// Forwards one client's messages on one topic to an outbound webhook
/// (the company's agent bus), signed with HMAC-SHA256 of `secret`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicWebhook {
    /// The client's slug.
    pub client: String,
    pub topic: String,
    pub url: String,
    pub secret: SecretString,
}

#[derive(Clone, Debug)]
pub struct EngineSettings {
    /// Run workers and timers here (the API works either way).
    pub enabled: bool,
    /// This instance's name in `locked_by` and the runs table.
    pub instance: String,
    /// Tasks run at once.
    pub workers: usize,
    /// Polling fallback when no notification arrives.
    pub poll: Duration,
    pub heartbeat: Duration,
    /// A running task whose heartbeat is older than this is rescued.
    pub stale_after: Duration,
    /// First retry delay; doubles each attempt (with jitter), up to an hour.
    pub backoff: Duration,
    pub timers: bool,
    /// Succeeded and cancelled tasks are kept this long, then pruned.
    pub retain: Duration,
    /// Failed tasks are kept this long (someone may retry them).
    pub retain_failed: Duration,
    /// Archived records stay restorable this long, then arlo purges them.
    pub trash: Duration,
    /// Daily backups arlo keeps in the file store (`REDKEY_BACKUP_KEEP`);
    /// 0: arlo takes none.
    pub backup_keep: u64,
    /// Tasks other agents created through the API that run at once, per
    /// client.
    pub agent_running: usize,
    pub webhooks: Vec<TopicWebhook>,
}

impl EngineSettings {
    pub(super) fn read(
        file: EngineFile,
        webhooks: Vec<TopicWebhook>,
        env: &Env,
    ) -> anyhow::Result<Self> {
        let webhooks = env
            .json(
                "REDKEY_TOPIC_WEBHOOKS",
                "a list of {client, topic, url, secret}",
            )?
            .unwrap_or(webhooks);
        for w in &webhooks {
            if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
                bail!(
                    "topic webhook for {}/{}: {:?} is not an http(s) URL",
                    w.client,
                    w.topic,
                    w.url
                );
            }
        }
        let workers = env.number("REDKEY_WORKERS", file.workers.map(|w| w as u64), 4)?;
        if !(1..=256).contains(&workers) {
            bail!("REDKEY_WORKERS must be between 1 and 256");
        }
        let agent_running = env.number(
            "REDKEY_AGENT_RUNNING",
            file.agent_running.map(|n| n as u64),
            4,
        )? as usize;
        if !(1..=256).contains(&agent_running) {
            bail!("REDKEY_AGENT_RUNNING must be between 1 and 256");
        }
        Ok(Self {
            enabled: env.switch("REDKEY_ENGINE", file.enabled, true)?,
            instance: env
                .text("REDKEY_INSTANCE")
                .or(file.instance)
                .unwrap_or_else(default_instance),
            workers: workers as usize,
            poll: env.millis("REDKEY_POLL_MS", file.poll_ms, 2_000)?,
            heartbeat: env.millis("REDKEY_HEARTBEAT_MS", file.heartbeat_ms, 5_000)?,
            stale_after: env.millis("REDKEY_STALE_MS", file.stale_ms, 30_000)?,
            backoff: env.millis("REDKEY_BACKOFF_MS", file.backoff_ms, 2_000)?,
            timers: env.switch("REDKEY_TIMERS", file.timers, true)?,
            retain: days(env.number("REDKEY_RETAIN_DAYS", file.retain_days, 14)?),
            retain_failed: days(env.number(
                "REDKEY_RETAIN_FAILED_DAYS",
                file.retain_failed_days,
                90,
            )?),
            trash: match env.number("REDKEY_TRASH_DAYS", file.trash_days, 30)? {
                0 => bail!("REDKEY_TRASH_DAYS must be at least 1"),
                n => days(n),
            },
            backup_keep: env.number("REDKEY_BACKUP_KEEP", file.backup_keep, 0)?,
            agent_running,
            webhooks,
        })
    }
}

fn days(n: u64) -> Duration {
    Duration::from_secs(86_400 * n)
}

/// `<hostname>-<pid>`.
fn default_instance() -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    format!(
        "{}-{}",
        host.trim().trim_end_matches('.'),
        std::process::id()
    )
}
