//! Typed configuration: defaults, then an optional TOML file, then the
//! environment. Every value is parsed once here, one section a module;
//! secrets stay wrapped.

mod api;
mod cockpit;
mod database;
mod email;
mod engine;
mod enrichment;
mod env;
mod mail_oauth;
mod model;
mod runner;
mod secrets;
mod sources;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::{anyhow, Context};
use secrecy::SecretString;
use serde::Deserialize;

pub use api::ApiSettings;
pub use cockpit::{CockpitSettings, S3Settings};
pub use database::{is_loopback_name, DatabaseSettings, DatabaseUrl, APP_LOGIN_ROLE};
pub use email::{EmailAccount, EmailSettings};
pub use engine::{EngineSettings, TopicWebhook};
pub use enrichment::{EnrichmentSettings, Provider};
use env::Env;
pub use mail_oauth::MailOAuth;
pub use model::ModelSettings;
pub use runner::{RunnerDatabase, RunnerSettings};
pub use secrets::SecretSettings;
pub use sources::SourceEntry;

/// The config file: top-level keys for the database and the cockpit,
/// `[engine]`, `[[topic_webhooks]]`, `[api]`, `[email]`, `[model]`,
/// `[enrichment]`, `[runner]`, `[[sources]]` and `[retired]` tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<SecretString>,
    app_database_url: Option<SecretString>,
    app_database_password: Option<SecretString>,
    database_pooler: Option<String>,
    database_max_connections: Option<u64>,
    listen_database_url: Option<SecretString>,
    listen: Option<String>,
    site_root: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    twenty_url: Option<String>,
    board_cards: Option<String>,
    board_cache: Option<String>,
    files_dir: Option<PathBuf>,
    upload_max_mb: Option<String>,
    import_max_mb: Option<String>,
    public_url: Option<String>,
    retired: Option<BTreeMap<String, String>>,
    #[serde(default)]
    engine: engine::EngineFile,
    #[serde(default)]
    api: api::ApiFile,
    #[serde(default)]
    topic_webhooks: Vec<TopicWebhook>,
    #[serde(default)]
    sources: Vec<SourceEntry>,
    #[serde(default)]
    mail_oauth: Vec<MailOAuth>,
    #[serde(default)]
    email: email::EmailFile,
    #[serde(default)]
    model: model::ModelFile,
    #[serde(default)]
    enrichment: enrichment::EnrichmentFile,
    #[serde(default)]
    runner: runner::RunnerFile,
    secret_key: Option<SecretString>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub cockpit: CockpitSettings,
    pub engine: EngineSettings,
    pub api: ApiSettings,
    pub email: EmailSettings,
    pub model: ModelSettings,
    pub enrichment: EnrichmentSettings,
    pub secrets: SecretSettings,
    /// Sources from the config file, applied at start-up.
    pub sources: Vec<SourceEntry>,
    /// Mail providers people connect with OAuth (`[[mail_oauth]]` or
    /// `REDKEY_MAIL_OAUTH`, a JSON list).
    pub mail_oauth: Vec<MailOAuth>,
    /// The databases `redkey runner` serves (`[runner]`).
    pub runner: RunnerSettings,
}

impl Settings {
    /// Loads from `REDKEY_CONFIG` (or `./redkey.toml` when present), then
    /// the environment.
    pub fn load() -> anyhow::Result<Self> {
        let path = std::env::var_os("REDKEY_CONFIG").map(PathBuf::from);
        let file = match path {
            Some(p) => read_file(&p)?,
            None if Path::new("redkey.toml").exists() => read_file(Path::new("redkey.toml"))?,
            None => FileSettings::default(),
        };
        Self::from_sources(file, |k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Settings from the given variables alone (no file, no process
    /// environment): for tests and tools.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> anyhow::Result<Self> {
        Self::from_sources(FileSettings::default(), |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    fn from_sources(
        mut file: FileSettings,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let env = Env(&lookup);
        let database = DatabaseSettings::read(&mut file, &env)?;
        let cockpit = CockpitSettings::read(&mut file, &env)?;
        let email = EmailSettings::read(file.email, &env)?;
        // Every mail carries an unsubscribe link: it must point where
        // recipients can reach the cockpit, never at a loopback address.
        if !email.accounts.is_empty() && cockpit.public_url.is_none() {
            anyhow::bail!(
                "REDKEY_PUBLIC_URL must be set when email is configured \
                 (unsubscribe links point there)"
            );
        }
        let engine = EngineSettings::read(file.engine, file.topic_webhooks, &env)?;
        Ok(Self {
            database,
            cockpit,
            runner: RunnerSettings::read(file.runner, &env, engine.workers)?,
            engine,
            api: ApiSettings::read(file.api, &env)?,
            email,
            model: ModelSettings::read(file.model, &env)?,
            enrichment: EnrichmentSettings::read(file.enrichment, &env)?,
            secrets: SecretSettings::read(file.secret_key, &env)?,
            sources: file.sources,
            mail_oauth: env
                .json(
                    "REDKEY_MAIL_OAUTH",
                    "a list of {name, auth_url, token_url, client_id, ...}",
                )?
                .unwrap_or(file.mail_oauth),
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow!("config file {}: {}", path.display(), e.message()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_without_any_source() {
        let s = Settings::from_sources(FileSettings::default(), env_of(&[])).unwrap();
        assert!(s.database.owner.is_none());
        assert_eq!(s.cockpit.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(s.cockpit.site_root, PathBuf::from("target/site"));
    }

    #[test]
    fn environment_overrides_file() {
        let file: FileSettings = toml::from_str("listen = \"127.0.0.1:4000\"").unwrap();
        let s =
            Settings::from_sources(file, env_of(&[("REDKEY_LISTEN", "127.0.0.1:5000")])).unwrap();
        assert_eq!(s.cockpit.listen.port(), 5000);
    }

    #[test]
    fn unparseable_database_url_is_a_clear_error() {
        let err = Settings::from_sources(
            FileSettings::default(),
            env_of(&[("DATABASE_URL", "not a url")]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "DATABASE_URL is not a valid postgres:// URL"
        );
    }

    #[test]
    fn the_pooler_is_named_or_refused() {
        let pooler =
            |v: &str| Settings::from_pairs(&[("DATABASE_POOLER", v)]).map(|s| s.database.pooler);
        assert_eq!(
            pooler("transaction").unwrap(),
            redkey_data::Pooler::Transaction
        );
        assert_eq!(pooler("none").unwrap(), redkey_data::Pooler::None);
        assert_eq!(
            pooler("session").unwrap_err().to_string(),
            "DATABASE_POOLER \"session\" is neither \"none\" nor \"transaction\""
        );
    }

    #[test]
    fn the_serving_pool_is_bounded_as_asked() {
        let max = |pairs: &[(&str, &str)]| {
            Settings::from_pairs(pairs).map(|s| s.database.max_connections)
        };
        assert_eq!(max(&[]).unwrap(), 8);
        assert_eq!(max(&[("DATABASE_MAX_CONNECTIONS", "6")]).unwrap(), 6);
        for bad in ["1", "1001"] {
            assert_eq!(
                max(&[("DATABASE_MAX_CONNECTIONS", bad)])
                    .unwrap_err()
                    .to_string(),
                "DATABASE_MAX_CONNECTIONS must be between 2 and 1000"
            );
        }
        assert_eq!(
            max(&[("DATABASE_MAX_CONNECTIONS", "many")])
                .unwrap_err()
                .to_string(),
            "DATABASE_MAX_CONNECTIONS \"many\" is not a whole number"
        );
    }

    #[test]
    fn runner_databases_are_named_once_and_their_urls_kept_secret() {
        let runner = |list: &str| {
            Settings::from_pairs(&[("REDKEY_RUNNER_DATABASES", list)]).map(|s| s.runner)
        };
        let ok = runner(
            r#"[{"name":"acme","url":"postgres://redkey_app:hunter2@db.acme.test:6543/postgres",
                 "pooler":"transaction","max_connections":6}]"#,
        )
        .unwrap();
        assert_eq!(ok.databases[0].pooler, redkey_data::Pooler::Transaction);
        assert_eq!(ok.databases[0].max_connections, 6);
        assert!(!format!("{ok:?}").contains("hunter2"));
        let err = |list: &str| runner(list).unwrap_err().to_string();
        assert!(err(r#"[{"name":"a b","url":"postgres://x@h/d"}]"#).contains("letters, digits"));
        assert!(err(
            r#"[{"name":"a","url":"postgres://x@h/d"},{"name":"a","url":"postgres://x@h/e"}]"#
        )
        .contains("listed twice"));
        assert!(
            err(r#"[{"name":"a","url":"postgres://x@h/d","pooler":"session"}]"#)
                .contains("neither")
        );
    }

    #[test]
    fn secrets_never_print() {
        let s = Settings::from_sources(
            FileSettings::default(),
            env_of(&[("DATABASE_URL", "postgres://owner:hunter2@db:5432/crm")]),
        )
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("owner@db:5432/crm"), "{shown}");
    }

    #[test]
    fn serving_url_swaps_in_the_login_role() {
        let s = Settings::from_sources(
            FileSettings::default(),
            env_of(&[
                ("DATABASE_URL", "postgres://owner:pw@db:5432/crm"),
                ("APP_DATABASE_PASSWORD", "apppw"),
            ]),
        )
        .unwrap();
        let serving = s.database.serving_url(s.database.owner.as_ref().unwrap());
        assert_eq!(format!("{serving:?}"), "postgres://redkey_app@db:5432/crm");
    }

    #[test]
    fn retiring_a_view_is_one_setting() {
        let default = Settings::from_sources(FileSettings::default(), env_of(&[])).unwrap();
        assert_eq!(
            default.cockpit.retired.keys().collect::<Vec<_>>(),
            [
                "activity",
                "companies",
                "contacts",
                "deal_page",
                "deals",
                "export",
                "files",
                "import",
                "members",
                "notes",
                "pipeline",
                "pipeline_settings",
                "search",
                "tasks",
                "trash"
            ]
        );
        let file: FileSettings = toml::from_str("[retired]\npipeline = \"2026-12-01\"").unwrap();
        let s = Settings::from_sources(file, env_of(&[])).unwrap();
        assert_eq!(s.cockpit.retired.len(), 1);
        assert_eq!(s.cockpit.retired["pipeline"].to_string(), "2026-12-01");
        let err = Settings::from_sources(
            FileSettings::default(),
            env_of(&[("REDKEY_RETIRED", "imports=2026-12-01")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("is not a Twenty view"), "{err}");
        assert!(Settings::from_sources(
            FileSettings::default(),
            env_of(&[("REDKEY_RETIRED", "pipeline=soon")])
        )
        .is_err());
    }

    #[test]
    fn engine_settings_parse_and_refuse_nonsense() {
        let s = Settings::from_sources(FileSettings::default(), env_of(&[])).unwrap();
        assert!(s.engine.enabled && s.engine.timers);
        assert_eq!(s.engine.workers, 4);
        let file: FileSettings = toml::from_str(
            "[engine]\nworkers = 2\nstale_ms = 900\n\n[[topic_webhooks]]\nclient = \"acme\"\n\
             topic = \"roles.exec\"\nurl = \"http://127.0.0.1:9/bus\"\nsecret = \"s3cret\"",
        )
        .unwrap();
        let s = Settings::from_sources(file, env_of(&[("REDKEY_TIMERS", "off")])).unwrap();
        assert_eq!(s.engine.workers, 2);
        assert_eq!(s.engine.stale_after, Duration::from_millis(900));
        assert!(!s.engine.timers);
        assert_eq!(s.engine.webhooks[0].topic, "roles.exec");
        assert!(!format!("{s:?}").contains("s3cret"));
        for bad in [
            [("REDKEY_WORKERS", "0")],
            [("REDKEY_WORKERS", "many")],
            [("REDKEY_ENGINE", "maybe")],
            [("REDKEY_HEARTBEAT_MS", "0")],
            [("REDKEY_TOPIC_WEBHOOKS", "[{\"client\":\"a\"}]")],
        ] {
            let leaked: &'static [(&str, &str)] = Box::leak(Box::new(bad));
            assert!(
                Settings::from_sources(FileSettings::default(), env_of(leaked)).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn email_without_a_public_url_is_refused() {
        let accounts = r#"[{"client": "acme", "api_key": "re_x", "from": "A <a@acme.test>",
                            "webhook_secret": "whsec_c2VjcmV0"}]"#;
        let leaked: &'static str = Box::leak(accounts.to_string().into_boxed_str());
        let pairs: &'static [(&str, &str)] = Box::leak(Box::new([("REDKEY_EMAIL", leaked)]));
        let err = Settings::from_sources(FileSettings::default(), env_of(pairs)).unwrap_err();
        assert!(err.to_string().contains("REDKEY_PUBLIC_URL"), "{err}");
        let pairs: &'static [(&str, &str)] = Box::leak(Box::new([
            ("REDKEY_EMAIL", leaked),
            ("REDKEY_PUBLIC_URL", "https://crm.acme.test"),
        ]));
        assert!(Settings::from_sources(FileSettings::default(), env_of(pairs)).is_ok());
    }

    #[test]
    fn plain_http_is_a_public_url_only_on_this_machine() {
        let secure = |url: &'static str| {
            let pairs: &'static [(&str, &str)] = Box::leak(Box::new([("REDKEY_PUBLIC_URL", url)]));
            Settings::from_sources(FileSettings::default(), env_of(pairs))
                .map(|s| s.cockpit.secure_cookies())
                .map_err(|e| e.to_string())
        };
        assert_eq!(secure("https://crm.acme.test"), Ok(true));
        assert_eq!(secure("http://127.0.0.1:3000"), Ok(false));
        assert_eq!(secure("http://localhost:3000/"), Ok(false));
        assert!(secure("http://crm.acme.test")
            .unwrap_err()
            .contains("plain http"));
        assert!(secure("http://10.0.0.5:3000")
            .unwrap_err()
            .contains("plain http"));
        assert!(secure("ftp://crm.acme.test")
            .unwrap_err()
            .contains("not an http(s) URL"));
        assert!(secure("crm.acme.test").unwrap_err().contains("not a URL"));
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<FileSettings>("databse_url = \"x\"").is_err());
    }
}
