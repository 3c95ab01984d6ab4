//! `redkey check`: the configuration and every service it names, checked
//! before a deploy, one line each. Nothing is written anywhere.

use std::time::Duration;

use sqlx::PgPool;

use crate::{
    arlo::model::ModelClient,
    config::{DatabaseUrl, Settings},
    email::resend::Resend,
};

/// One check's outcome.
pub struct Line {
    pub ok: bool,
    pub what: String,
    pub detail: String,
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = if self.ok { "ok  " } else { "FAIL" };
        write!(f, "{mark} {:<16} {}", self.what, self.detail)
    }
}

fn line(ok: bool, what: impl Into<String>, detail: impl Into<String>) -> Line {
    Line {
        ok,
        what: what.into(),
        detail: detail.into(),
    }
}

/// Runs every check that applies to `settings`.
pub async fn run(settings: &Settings) -> Vec<Line> {
    let mut lines = vec![
        line(true, "configuration", "read and valid"),
        public_url(settings),
    ];
    let mut settings = settings.clone();
    match &settings.database.owner {
        None => lines.push(line(
            true,
            "database",
            format!(
                "none given: a private cluster under {}",
                settings.database.data_dir.display()
            ),
        )),
        Some(url) => match connect(url).await {
            Err(e) => lines.push(line(false, "database", e)),
            Ok(owner) => {
                lines.push(schema(&owner, url).await);
                lines.push(serving_login(&settings, url).await);
                match crate::startup::with_stored_keys(&settings, &owner).await {
                    Ok(s) => settings = s,
                    Err(e) => lines.push(line(false, "secret store", super::one_line(&e))),
                }
                owner.close().await;
            }
        },
    }
    lines.extend(resend(&settings).await);
    lines.push(model(&settings).await);
    lines
}

fn public_url(settings: &Settings) -> Line {
    let detail = match &settings.cockpit.public_url {
        Some(u) if settings.cockpit.secure_cookies() => format!("{u} (Secure cookies)"),
        Some(u) => format!("{u} (this machine only: cookies not Secure)"),
        None => "not set: links in email use the listen address".into(),
    };
    line(true, "public URL", detail)
}

async fn connect(url: &DatabaseUrl) -> Result<PgPool, String> {
    redkey_data::pool_options()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(url.options())
        .await
        .map_err(|e| format!("cannot connect to {url:?}: {}", super::one_line(&e)))
}

async fn schema(owner: &PgPool, url: &DatabaseUrl) -> Line {
    let newest = super::latest_migration();
    let applied = super::applied_migration(owner).await;
    let role: Option<(bool, bool)> =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_optional(owner)
            .await
            .ok()
            .flatten();
    let who = match role {
        Some((true, _)) => "owner is a superuser",
        Some((false, true)) => "owner bypasses row security (no superuser)",
        _ => "owner neither superuser nor BYPASSRLS: administration will fail",
    };
    let owner_ok = matches!(role, Some((true, _) | (_, true)));
    match applied {
        Some(v) if v == newest => line(
            owner_ok,
            "database",
            format!("{url:?}: schema {v}, current; {who}"),
        ),
        Some(v) if v < newest => line(
            owner_ok,
            "database",
            format!("{url:?}: schema {v}; `redkey migrate` or serve applies up to {newest}; {who}"),
        ),
        Some(v) => line(
            false,
            "database",
            format!(
                "{url:?}: schema {v} is newer than this build's {newest}: deploy a newer redkey"
            ),
        ),
        None => line(
            owner_ok,
            "database",
            format!("{url:?}: empty; `redkey migrate` or serve creates the schema; {who}"),
        ),
    }
}

async fn serving_login(settings: &Settings, owner: &DatabaseUrl) -> Line {
    let url = settings.database.serving_url(owner);
    match connect(&url).await {
        Ok(pool) => {
            let inherit: Option<bool> =
                sqlx::query_scalar("SELECT rolinherit FROM pg_roles WHERE rolname = current_user")
                    .fetch_optional(&pool)
                    .await
                    .ok()
                    .flatten();
            pool.close().await;
            match inherit {
                Some(false) => line(true, "serving login", format!("{url:?} (NOINHERIT)")),
                _ => line(
                    false,
                    "serving login",
                    format!("{url:?} inherits its roles' privileges: it must be NOINHERIT"),
                ),
            }
        }
        Err(e) => line(false, "serving login", e),
    }
}

async fn resend(settings: &Settings) -> Vec<Line> {
    if settings.email.accounts.is_empty() {
        return vec![line(
            true,
            "email",
            "no Resend account configured: sequences do not send",
        )];
    }
    let client = match Resend::new(&settings.email.base_url) {
        Ok(c) => c,
        Err(e) => return vec![line(false, "email", super::one_line(&e))],
    };
    let mut lines = Vec::new();
    for account in &settings.email.accounts {
        let what = format!("email {}", account.client);
        let domain = account
            .from
            .rsplit('@')
            .next()
            .unwrap_or("")
            .trim_end_matches('>')
            .to_ascii_lowercase();
        lines.push(match client.domains(&account.api_key).await {
            Err(e) => line(false, what, e),
            Ok(list) => match list.iter().find(|d| d.name.eq_ignore_ascii_case(&domain)) {
                Some(d) if d.status == "verified" => {
                    line(true, what, format!("key accepted; {domain} verified"))
                }
                Some(d) => line(
                    false,
                    what,
                    format!(
                        "key accepted; {domain} is {}: sends will be refused until it is verified",
                        d.status
                    ),
                ),
                None => line(
                    false,
                    what,
                    format!("key accepted; {domain} is not a domain of this Resend account"),
                ),
            },
        });
    }
    lines
}

async fn model(settings: &Settings) -> Line {
    let m = &settings.model;
    let Some(key) = m.api_key.clone() else {
        return line(true, "model", "no key: arlo's built-in interpreter answers");
    };
    let client = match ModelClient::new(&m.base_url, key, &m.model) {
        Ok(c) => c,
        Err(e) => return line(false, "model", super::one_line(&e)),
    };
    match client.ping().await {
        Ok(()) => line(
            true,
            "model",
            format!("{} answers at {}", m.model, m.base_url),
        ),
        Err(e) => line(false, "model", e.to_string()),
    }
}
