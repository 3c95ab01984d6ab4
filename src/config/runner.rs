//! A shared arlo runner: the databases one `redkey runner` process serves
//! (one client each, or many), and how many tasks it runs at once across
//! all of them.

use anyhow::{anyhow, bail};
use redkey_data::Pooler;
use secrecy::SecretString;
use serde::Deserialize;

use super::{env::Env, DatabaseUrl};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RunnerFile {
    workers: Option<usize>,
    #[serde(default)]
    databases: Vec<DatabaseEntry>,
}

/// One database as the config file (`[[runner.databases]]`) or
/// `REDKEY_RUNNER_DATABASES` (a JSON list) gives it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseEntry {
    name: String,
    /// The serving login (`redkey_app`) on that database.
    url: SecretString,
    pooler: Option<String>,
    listen_url: Option<SecretString>,
    max_connections: Option<u32>,
    workers: Option<usize>,
    secret_key: Option<SecretString>,
    clients: Option<Vec<String>>,
}

#[derive(Clone, Debug)]
pub struct RunnerDatabase {
    /// How this database is named in logs, instance names and `/readyz`.
    pub name: String,
    pub url: DatabaseUrl,
    pub pooler: Pooler,
    /// A direct connection for wake-ups beside a transaction-mode pooler.
    pub listen: Option<DatabaseUrl>,
    /// The most connections the runner opens to it.
    pub max_connections: u32,
    /// The most of its tasks that run at once.
    pub workers: usize,
    /// The key its stored credentials are sealed with (each client
    /// deployment may have its own).
    pub secret_key: Option<SecretString>,
    /// The slugs of the clients arlo serves there (none: all of them).
    pub clients: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default)]
pub struct RunnerSettings {
    pub databases: Vec<RunnerDatabase>,
    /// Tasks run at once over every database together; each waits its
    /// turn in order of arrival, so a database with a long queue cannot
    /// keep the others waiting.
    pub workers: usize,
}

impl RunnerSettings {
    pub(super) fn read(
        file: RunnerFile,
        env: &Env,
        default_workers: usize,
    ) -> anyhow::Result<Self> {
        let entries = env
            .json::<Vec<DatabaseEntry>>(
                "REDKEY_RUNNER_DATABASES",
                "a list of {name, url, pooler, listen_url, max_connections, workers, secret_key, clients}",
            )?
            .unwrap_or(file.databases);
        let mut databases: Vec<RunnerDatabase> = Vec::with_capacity(entries.len());
        for e in entries {
            let label = format!("runner database {:?}", e.name);
            if e.name.is_empty()
                || !e
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                bail!("{label}: a name is letters, digits, '-' and '_'");
            }
            if databases.iter().any(|d| d.name == e.name) {
                bail!("{label} is listed twice");
            }
            let pooler = e.pooler.as_deref().unwrap_or_default();
            databases.push(RunnerDatabase {
                url: DatabaseUrl::parse(&format!("{label}'s url"), e.url)?,
                pooler: Pooler::parse(pooler).ok_or_else(|| {
                    anyhow!("{label}: pooler {pooler:?} is neither \"none\" nor \"transaction\"")
                })?,
                listen: e
                    .listen_url
                    .map(|u| DatabaseUrl::parse(&format!("{label}'s listen_url"), u))
                    .transpose()?,
                max_connections: e.max_connections.unwrap_or(4).max(2),
                workers: e.workers.unwrap_or(default_workers).max(1),
                secret_key: e.secret_key,
                clients: e.clients.filter(|c| !c.is_empty()),
                name: e.name,
            });
        }
        let workers = env.number(
            "REDKEY_RUNNER_WORKERS",
            file.workers.map(|w| w as u64),
            default_workers as u64,
        )? as usize;
        if workers == 0 {
            bail!("REDKEY_RUNNER_WORKERS must be more than 0");
        }
        Ok(Self { databases, workers })
    }
}
