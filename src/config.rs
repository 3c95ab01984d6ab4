//! Typed configuration: defaults, then an optional TOML file, then the
//! environment. Every value is parsed once here; secrets stay wrapped.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDate;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sqlx::postgres::PgConnectOptions;

/// The login role the server serves as (NOINHERIT, owns nothing).
pub const APP_LOGIN_ROLE: &str = "redkey_app";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<SecretString>,
    app_database_url: Option<SecretString>,
    app_database_password: Option<SecretString>,
    listen: Option<String>,
    site_root: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    twenty_url: Option<String>,
    public_url: Option<String>,
    retired: Option<BTreeMap<String, String>>,
    #[serde(default)]
    engine: EngineFile,
    #[serde(default)]
    topic_webhooks: Vec<TopicWebhook>,
    #[serde(default)]
    email: EmailFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailFile {
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

/// Outbound email through Resend.
#[derive(Clone, Debug)]
pub struct EmailSettings {
    pub base_url: String,
    /// Requests per second to Resend, across this instance.
    pub rate_per_second: f64,
    pub accounts: Vec<EmailAccount>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EngineFile {
    enabled: Option<bool>,
    instance: Option<String>,
    workers: Option<usize>,
    poll_ms: Option<u64>,
    heartbeat_ms: Option<u64>,
    stale_ms: Option<u64>,
    backoff_ms: Option<u64>,
    timers: Option<bool>,
    retain_days: Option<u64>,
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

/// How arlo's engine runs in this process.
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
    /// Finished tasks are kept this long, then pruned.
    pub retain: Duration,
    pub webhooks: Vec<TopicWebhook>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// Owner credential: runs migrations and administration. `None` means
    /// "start a private cluster under `data_dir`".
    pub database: Option<DatabaseUrl>,
    /// Serving credential; derived from `database` when not given.
    pub app_database: Option<DatabaseUrl>,
    app_database_password: Option<SecretString>,
    pub listen: SocketAddr,
    pub site_root: PathBuf,
    pub data_dir: PathBuf,
    pub twenty_url: Option<String>,
    /// Where users reach the cockpit; `https://` turns on Secure cookies.
    pub public_url: Option<String>,
    /// Twenty views the cockpit has taken over, with the day each was.
    pub retired: BTreeMap<String, NaiveDate>,
    pub engine: EngineSettings,
    pub email: EmailSettings,
}

/// What a deployment that sets nothing has retired: the views this release
/// serves.
const DEFAULT_RETIRED: &str =
    "pipeline=2026-11-25,contacts=2026-11-25,companies=2026-11-25,deal_page=2026-11-25,activity=2026-11-25";

/// A parsed Postgres URL. Debug output never shows the password.
#[derive(Clone)]
pub struct DatabaseUrl {
    options: PgConnectOptions,
    raw: SecretString,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "postgres://{}@{}:{}/{}",
            self.options.get_username(),
            self.options.get_host(),
            self.options.get_port(),
            self.options.get_database().unwrap_or("")
        )
    }
}

impl DatabaseUrl {
    pub fn parse(name: &str, raw: SecretString) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(raw.expose_secret())
            .map_err(|_| anyhow!("{name} is not a valid postgres:// URL"))?;
        Ok(Self { options, raw })
    }

    pub fn options(&self) -> PgConnectOptions {
        self.options.clone()
    }

    pub fn expose(&self) -> &str {
        self.raw.expose_secret()
    }

    /// The same server and database, as another user.
    pub fn with_user(&self, user: &str, password: Option<&SecretString>) -> Self {
        let mut options = self.options.clone().username(user);
        if let Some(p) = password {
            options = options.password(p.expose_secret());
        }
        let raw = SecretString::from(format!(
            "postgres://{}@{}:{}/{}",
            user,
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("postgres")
        ));
        Self { options, raw }
    }
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
        file: FileSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let secret = |k: &str| env(k).map(SecretString::from);
        let database = secret("DATABASE_URL")
            .or(file.database_url)
            .map(|s| DatabaseUrl::parse("DATABASE_URL", s))
            .transpose()?;
        let app_database = secret("APP_DATABASE_URL")
            .or(file.app_database_url)
            .map(|s| DatabaseUrl::parse("APP_DATABASE_URL", s))
            .transpose()?;
        let listen_raw = env("REDKEY_LISTEN")
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:3000".into());
        let listen = listen_raw.parse().map_err(|_| {
            anyhow!("REDKEY_LISTEN {listen_raw:?} is not an address like 127.0.0.1:3000")
        })?;
        let engine = engine_settings(file.engine, file.topic_webhooks, &env)?;
        let email = email_settings(file.email, &env)?;
        Ok(Self {
            engine,
            email,
            database,
            app_database,
            app_database_password: secret("APP_DATABASE_PASSWORD").or(file.app_database_password),
            listen,
            site_root: env("REDKEY_SITE_ROOT")
                .map(PathBuf::from)
                .or(file.site_root)
                .unwrap_or_else(|| "target/site".into()),
            data_dir: env("REDKEY_DATA_DIR")
                .map(PathBuf::from)
                .or(file.data_dir)
                .unwrap_or_else(|| ".redkey".into()),
            twenty_url: env("TWENTY_URL").or(file.twenty_url),
            public_url: env("REDKEY_PUBLIC_URL").or(file.public_url),
            retired: match (env("REDKEY_RETIRED"), file.retired) {
                (Some(list), _) => {
                    parse_retired(list.split(',').filter_map(|p| p.split_once('=')))?
                }
                (None, Some(map)) => {
                    parse_retired(map.iter().map(|(k, v)| (k.as_str(), v.as_str())))?
                }
                (None, None) => {
                    parse_retired(DEFAULT_RETIRED.split(',').filter_map(|p| p.split_once('=')))?
                }
            },
        })
    }

    /// The serving URL: `APP_DATABASE_URL`, or the owner URL with the
    /// user swapped for the NOINHERIT login role.
    pub fn serving_url(&self, owner: &DatabaseUrl) -> DatabaseUrl {
        self.app_database
            .clone()
            .unwrap_or_else(|| owner.with_user(APP_LOGIN_ROLE, self.app_database_password.as_ref()))
    }
}

fn email_settings(
    file: EmailFile,
    env: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<EmailSettings> {
    let accounts: Vec<EmailAccount> = match env("REDKEY_EMAIL") {
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            anyhow!(
                "REDKEY_EMAIL is not a list of {{client, api_key, from, webhook_secret, ...}}: {e}"
            )
        })?,
        None => file.accounts,
    };
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
    let rate = match env("REDKEY_EMAIL_RATE") {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow!("REDKEY_EMAIL_RATE {v:?} is not a number"))?,
        None => file.rate_per_second.unwrap_or(5.0),
    };
    if !(rate > 0.0 && rate <= 1000.0) {
        bail!("REDKEY_EMAIL_RATE must be between 0 and 1000 requests per second");
    }
    Ok(EmailSettings {
        base_url: env("RESEND_BASE_URL")
            .or(file.base_url)
            .unwrap_or_else(|| "https://api.resend.com".into())
            .trim_end_matches('/')
            .to_string(),
        rate_per_second: rate,
        accounts,
    })
}

fn engine_settings(
    file: EngineFile,
    webhooks: Vec<TopicWebhook>,
    env: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<EngineSettings> {
    let number = |name: &str, from_file: Option<u64>, default: u64| -> anyhow::Result<u64> {
        match env(name) {
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| anyhow!("{name} {v:?} is not a whole number")),
            None => Ok(from_file.unwrap_or(default)),
        }
    };
    let switch = |name: &str, from_file: Option<bool>| -> anyhow::Result<bool> {
        match env(name).as_deref().map(str::trim) {
            Some("on" | "true" | "1") => Ok(true),
            Some("off" | "false" | "0") => Ok(false),
            Some(v) => bail!("{name} {v:?} is not on or off"),
            None => Ok(from_file.unwrap_or(true)),
        }
    };
    let ms = |name: &str, from_file: Option<u64>, default: u64| -> anyhow::Result<Duration> {
        let v = number(name, from_file, default)?;
        if v == 0 {
            bail!("{name} must be more than 0");
        }
        Ok(Duration::from_millis(v))
    };
    let webhooks = match env("REDKEY_TOPIC_WEBHOOKS") {
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            anyhow!("REDKEY_TOPIC_WEBHOOKS is not a list of {{client, topic, url, secret}}: {e}")
        })?,
        None => webhooks,
    };
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
    let workers = number("REDKEY_WORKERS", file.workers.map(|w| w as u64), 4)?;
    if !(1..=256).contains(&workers) {
        bail!("REDKEY_WORKERS must be between 1 and 256");
    }
    Ok(EngineSettings {
        enabled: switch("REDKEY_ENGINE", file.enabled)?,
        instance: env("REDKEY_INSTANCE").or(file.instance).unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
            format!(
                "{}-{}",
                host.trim().trim_end_matches('.'),
                std::process::id()
            )
        }),
        workers: workers as usize,
        poll: ms("REDKEY_POLL_MS", file.poll_ms, 2_000)?,
        heartbeat: ms("REDKEY_HEARTBEAT_MS", file.heartbeat_ms, 5_000)?,
        stale_after: ms("REDKEY_STALE_MS", file.stale_ms, 30_000)?,
        backoff: ms("REDKEY_BACKOFF_MS", file.backoff_ms, 2_000)?,
        timers: switch("REDKEY_TIMERS", file.timers)?,
        retain: Duration::from_secs(86_400 * number("REDKEY_RETAIN_DAYS", file.retain_days, 14)?),
        webhooks,
    })
}

/// Checks each retired view is a Twenty view the cockpit has a page for.
fn parse_retired<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> anyhow::Result<BTreeMap<String, NaiveDate>> {
    let mut out = BTreeMap::new();
    for (key, date) in pairs {
        let key = key.trim();
        match app::model::TWENTY_VIEWS.iter().find(|v| v.0 == key) {
            None => bail!("retired view {key:?} is not a Twenty view"),
            Some((_, _, None, _)) => {
                bail!("cannot retire {key:?}: the cockpit has no page for it yet")
            }
            Some(_) => {}
        }
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow!("retired view {key:?}: {date:?} is not a date like 2026-11-25"))?;
        out.insert(key.to_string(), date);
    }
    Ok(out)
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow!("config file {}: {}", path.display(), e.message()))
}

#[cfg(test)]
mod tests {
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
        assert!(s.database.is_none());
        assert_eq!(s.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(s.site_root, PathBuf::from("target/site"));
    }

    #[test]
    fn environment_overrides_file() {
        let file: FileSettings = toml::from_str("listen = \"127.0.0.1:4000\"").unwrap();
        let s =
            Settings::from_sources(file, env_of(&[("REDKEY_LISTEN", "127.0.0.1:5000")])).unwrap();
        assert_eq!(s.listen.port(), 5000);
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
        let serving = s.serving_url(s.database.as_ref().unwrap());
        assert_eq!(format!("{serving:?}"), "postgres://redkey_app@db:5432/crm");
    }

    #[test]
    fn retiring_a_view_is_one_setting() {
        let default = Settings::from_sources(FileSettings::default(), env_of(&[])).unwrap();
        assert_eq!(
            default.retired.keys().collect::<Vec<_>>(),
            ["activity", "companies", "contacts", "deal_page", "pipeline"]
        );
        let file: FileSettings = toml::from_str("[retired]\npipeline = \"2026-12-01\"").unwrap();
        let s = Settings::from_sources(file, env_of(&[])).unwrap();
        assert_eq!(s.retired.len(), 1);
        assert_eq!(s.retired["pipeline"].to_string(), "2026-12-01");
        let err = Settings::from_sources(
            FileSettings::default(),
            env_of(&[("REDKEY_RETIRED", "notes=2026-12-01")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no page"), "{err}");
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
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<FileSettings>("databse_url = \"x\"").is_err());
    }
}
