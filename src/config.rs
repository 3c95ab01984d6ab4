//! Typed configuration: defaults, then an optional TOML file, then the
//! environment. Every value is parsed once here; secrets stay wrapped.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    str::FromStr,
};

use anyhow::{anyhow, Context};
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
}

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
        Ok(Self {
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
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<FileSettings>("databse_url = \"x\"").is_err());
    }
}
