//! Where the database is and which credentials the server holds.

use std::{path::PathBuf, str::FromStr};

use anyhow::{anyhow, bail};
use redkey_data::Pooler;
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use super::{env::Env, FileSettings};

/// The login role the server serves as (NOINHERIT, owns nothing).
pub const APP_LOGIN_ROLE: &str = "redkey_app";

#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    /// Owner credential: runs migrations and administration. `None` means
    /// "start a private cluster under `data_dir`".
    pub owner: Option<DatabaseUrl>,
    /// Serving credential; derived from `owner` when not given.
    pub app: Option<DatabaseUrl>,
    app_password: Option<SecretString>,
    /// What stands between the serving URL and Postgres
    /// (`DATABASE_POOLER`: `none` or `transaction`).
    pub pooler: Pooler,
    /// The most connections the serving pool opens, shared by the cockpit
    /// and the engine's workers (`DATABASE_MAX_CONNECTIONS`). On two cores
    /// 8 served the board about 10% faster at 64 connections than 16, and
    /// 4 faster still (BENCHMARKS.md, session 43); 8 leaves the cockpit
    /// room while the default four workers are busy.
    pub max_connections: u32,
    /// A direct connection (never through a transaction-mode pooler) for
    /// the queue's wake-ups; without one behind such a pooler, the engine
    /// polls.
    pub listen: Option<DatabaseUrl>,
    /// The private cluster and other local state.
    pub data_dir: PathBuf,
}

impl DatabaseSettings {
    pub(super) fn read(file: &mut FileSettings, env: &Env) -> anyhow::Result<Self> {
        Ok(Self {
            owner: env
                .secret("DATABASE_URL")
                .or(file.database_url.take())
                .map(|s| DatabaseUrl::parse("DATABASE_URL", s))
                .transpose()?,
            app: env
                .secret("APP_DATABASE_URL")
                .or(file.app_database_url.take())
                .map(|s| DatabaseUrl::parse("APP_DATABASE_URL", s))
                .transpose()?,
            app_password: env
                .secret("APP_DATABASE_PASSWORD")
                .or(file.app_database_password.take()),
            pooler: {
                let raw = env
                    .text("DATABASE_POOLER")
                    .or(file.database_pooler.take())
                    .unwrap_or_default();
                Pooler::parse(&raw).ok_or_else(|| {
                    anyhow!("DATABASE_POOLER {raw:?} is neither \"none\" nor \"transaction\"")
                })?
            },
            max_connections: {
                let max =
                    env.number("DATABASE_MAX_CONNECTIONS", file.database_max_connections, 8)?;
                if !(2..=1000).contains(&max) {
                    bail!("DATABASE_MAX_CONNECTIONS must be between 2 and 1000");
                }
                max as u32
            },
            listen: env
                .secret("LISTEN_DATABASE_URL")
                .or(file.listen_database_url.take())
                .map(|s| DatabaseUrl::parse("LISTEN_DATABASE_URL", s))
                .transpose()?,
            data_dir: env
                .text("REDKEY_DATA_DIR")
                .map(PathBuf::from)
                .or(file.data_dir.take())
                .unwrap_or_else(|| ".redkey".into()),
        })
    }

    /// The serving URL: `APP_DATABASE_URL`, or the owner URL with the
    /// user swapped for the NOINHERIT login role.
    pub fn serving_url(&self, owner: &DatabaseUrl) -> DatabaseUrl {
        self.app
            .clone()
            .unwrap_or_else(|| owner.with_user(APP_LOGIN_ROLE, self.app_password.as_ref()))
    }
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

fn ssl_mode_name(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    }
}

/// A host name only this machine answers to: `localhost` or a loopback
/// address (IPv6 with or without brackets).
pub fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A database host on this machine: loopback, or a Unix socket directory.
fn is_local(host: &str) -> bool {
    host.starts_with('/') || is_loopback_name(host)
}

impl DatabaseUrl {
    pub fn parse(name: &str, raw: SecretString) -> anyhow::Result<Self> {
        let mut options = PgConnectOptions::from_str(raw.expose_secret())
            .map_err(|_| anyhow!("{name} is not a valid postgres:// URL"))?;
        // sqlx's default `prefer` encrypts loopback traffic whenever the
        // server offers TLS: a tenth of a page's CPU on each side, and no
        // wire to protect. An explicit sslmode is always kept.
        if !raw.expose_secret().contains("sslmode=") && is_local(options.get_host()) {
            options = options.ssl_mode(PgSslMode::Disable);
        }
        Ok(Self { options, raw })
    }

    pub fn options(&self) -> PgConnectOptions {
        self.options.clone()
    }

    pub fn expose(&self) -> &str {
        self.raw.expose_secret()
    }

    /// The connection as libpq's environment, for Postgres's own tools
    /// (`pg_dump`, `pg_restore`): the password travels in `PGPASSWORD`,
    /// never on a command line, and sqlx-only URL parameters stay behind.
    pub fn libpq_env(&self) -> Vec<(&'static str, String)> {
        let o = &self.options;
        let mut env = vec![
            ("PGHOST", o.get_host().to_string()),
            ("PGPORT", o.get_port().to_string()),
            ("PGUSER", o.get_username().to_string()),
            (
                "PGDATABASE",
                o.get_database().unwrap_or("postgres").to_string(),
            ),
            ("PGSSLMODE", ssl_mode_name(o.get_ssl_mode()).to_string()),
        ];
        let password = url::Url::parse(self.raw.expose_secret())
            .ok()
            .and_then(|u| {
                let p = u.password()?;
                Some(
                    percent_encoding::percent_decode_str(p)
                        .decode_utf8_lossy()
                        .into_owned(),
                )
            });
        if let Some(p) = password {
            env.push(("PGPASSWORD", p));
        }
        env
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str) -> String {
        let url = DatabaseUrl::parse("DATABASE_URL", SecretString::from(url)).unwrap();
        format!("{:?}", url.options().get_ssl_mode())
    }

    #[test]
    fn loopback_skips_tls_unless_asked() {
        assert_eq!(mode("postgres://u@127.0.0.1:5432/d"), "Disable");
        assert_eq!(mode("postgres://u@localhost/d"), "Disable");
        assert_eq!(mode("postgres://u@[::1]:5432/d"), "Disable");
        assert_eq!(mode("postgres://u@127.0.0.1/d?sslmode=require"), "Require");
        assert_eq!(mode("postgres://u@db.example.com/d"), "Prefer");
    }

    #[test]
    fn libpq_gets_the_decoded_password_and_no_sqlx_parameters() {
        let url = DatabaseUrl::parse(
            "DATABASE_URL",
            SecretString::from(
                "postgres://owner:p%40ss%2Fw+1@db.example.com:6543/crm?statement-cache-capacity=0",
            ),
        )
        .unwrap();
        let env = url.libpq_env();
        let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PGPASSWORD"), Some("p@ss/w+1"));
        assert_eq!(get("PGHOST"), Some("db.example.com"));
        assert_eq!(get("PGPORT"), Some("6543"));
        assert_eq!(get("PGDATABASE"), Some("crm"));
        assert_eq!(get("PGSSLMODE"), Some("prefer"));
        assert!(env.iter().all(|(_, v)| !v.contains("statement-cache")));
    }
}
