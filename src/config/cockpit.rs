//! Where the cockpit listens and what it serves: the built front end, the
//! public URL, the Twenty instance and which of its views are retired.

use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf};

use anyhow::{anyhow, bail};
use chrono::NaiveDate;

use secrecy::SecretString;

use super::{env::Env, FileSettings};

#[derive(Clone, Debug)]
pub struct CockpitSettings {
    pub listen: SocketAddr,
    /// The built front end (cargo-leptos output).
    pub site_root: PathBuf,
    pub twenty_url: Option<String>,
    /// Where users reach the cockpit; `https://` turns on Secure cookies.
    pub public_url: Option<String>,
    /// Twenty views the cockpit has taken over, with the day each was.
    pub retired: BTreeMap<String, NaiveDate>,
    /// Cards per board column before "Show more" (`REDKEY_BOARD_CARDS`).
    pub board_cards: u32,
    /// Boards kept between requests (`REDKEY_BOARD_CACHE`; 0 keeps none).
    pub board_cache: usize,
    /// Where uploaded files are kept (`REDKEY_FILES_DIR`); none: under
    /// the data directory.
    pub files_dir: Option<PathBuf>,
    /// The largest file an upload may bring (`REDKEY_UPLOAD_MAX_MB`).
    pub upload_max_bytes: u64,
    /// The largest CSV file an import may bring (`REDKEY_IMPORT_MAX_MB`).
    pub import_max_bytes: u64,
    /// An S3-compatible bucket for files instead of the directory.
    pub files_s3: Option<S3Settings>,
}

/// An S3-compatible bucket (`REDKEY_FILES_S3_*`).
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    /// For stores other than AWS (Supabase Storage, MinIO, ...).
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

impl S3Settings {
    fn read(env: &Env) -> anyhow::Result<Option<Self>> {
        let Some(bucket) = env.text("REDKEY_FILES_S3_BUCKET") else {
            return Ok(None);
        };
        let (Some(access_key_id), Some(secret_access_key)) = (
            env.text("REDKEY_FILES_S3_ACCESS_KEY_ID"),
            env.secret("REDKEY_FILES_S3_SECRET_ACCESS_KEY"),
        ) else {
            bail!("REDKEY_FILES_S3_BUCKET needs REDKEY_FILES_S3_ACCESS_KEY_ID and REDKEY_FILES_S3_SECRET_ACCESS_KEY");
        };
        Ok(Some(Self {
            bucket,
            region: env
                .text("REDKEY_FILES_S3_REGION")
                .unwrap_or_else(|| "us-east-1".into()),
            endpoint: env.text("REDKEY_FILES_S3_ENDPOINT"),
            access_key_id,
            secret_access_key,
        }))
    }
}

/// What a deployment that sets nothing has retired: the views this release
/// serves.
const DEFAULT_RETIRED: &str =
    "pipeline=2026-11-25,contacts=2026-11-25,companies=2026-11-25,deal_page=2026-11-25,activity=2026-11-25,tasks=2026-11-30,notes=2026-11-30,trash=2026-11-30,files=2026-11-30,deals=2026-11-30,export=2026-11-30,search=2026-11-30,pipeline_settings=2026-11-30,members=2026-11-30,import=2026-11-30";

/// A size limit given in megabytes (1 to 1024), in bytes.
fn megabytes(name: &str, value: Option<String>, default: u64) -> anyhow::Result<u64> {
    match value {
        None => Ok(default << 20),
        Some(n) => n
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=1024).contains(n))
            .map(|n| n << 20)
            .ok_or_else(|| anyhow!("{name} {n:?} is not a number of megabytes from 1 to 1024")),
    }
}

impl CockpitSettings {
    pub(super) fn read(file: &mut FileSettings, env: &Env) -> anyhow::Result<Self> {
        let listen_raw = env
            .text("REDKEY_LISTEN")
            .or(file.listen.take())
            .unwrap_or_else(|| "127.0.0.1:3000".into());
        let listen = listen_raw.parse().map_err(|_| {
            anyhow!("REDKEY_LISTEN {listen_raw:?} is not an address like 127.0.0.1:3000")
        })?;
        let pairs = |list: &str| -> Vec<(String, String)> {
            list.split(',')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.into(), v.into()))
                .collect()
        };
        let retired = match (env.text("REDKEY_RETIRED"), file.retired.take()) {
            (Some(list), _) => pairs(&list),
            (None, Some(map)) => map.into_iter().collect(),
            (None, None) => pairs(DEFAULT_RETIRED),
        };
        Ok(Self {
            listen,
            site_root: env
                .text("REDKEY_SITE_ROOT")
                .map(PathBuf::from)
                .or(file.site_root.take())
                .unwrap_or_else(|| "target/site".into()),
            twenty_url: env.text("TWENTY_URL").or(file.twenty_url.take()),
            public_url: env
                .text("REDKEY_PUBLIC_URL")
                .or(file.public_url.take())
                .map(|u| check_public_url(&u).map(|()| u))
                .transpose()?,
            retired: parse_retired(retired)?,
            files_s3: S3Settings::read(env)?,
            files_dir: env
                .text("REDKEY_FILES_DIR")
                .map(PathBuf::from)
                .or(file.files_dir.take()),
            upload_max_bytes: megabytes(
                "REDKEY_UPLOAD_MAX_MB",
                env.text("REDKEY_UPLOAD_MAX_MB")
                    .or(file.upload_max_mb.take()),
                10,
            )?,
            import_max_bytes: megabytes(
                "REDKEY_IMPORT_MAX_MB",
                env.text("REDKEY_IMPORT_MAX_MB")
                    .or(file.import_max_mb.take()),
                20,
            )?,
            board_cards: match env.text("REDKEY_BOARD_CARDS").or(file.board_cards.take()) {
                None => 25,
                Some(n) => n
                    .parse()
                    .ok()
                    .filter(|n| (1..=500).contains(n))
                    .ok_or_else(|| {
                        anyhow!("REDKEY_BOARD_CARDS {n:?} is not a number from 1 to 500")
                    })?,
            },
            board_cache: match env.text("REDKEY_BOARD_CACHE").or(file.board_cache.take()) {
                None => 256,
                Some(n) => n.parse().ok().filter(|n| *n <= 100_000).ok_or_else(|| {
                    anyhow!("REDKEY_BOARD_CACHE {n:?} is not a number from 0 to 100000")
                })?,
            },
        })
    }
}

impl CockpitSettings {
    /// Sign-in cookies are marked `Secure` when people reach the cockpit
    /// over https (behind a TLS proxy such as Caddy).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// An http(s) URL; plain http only on this machine's own names, because
/// the session cookie would otherwise cross the network in the clear.
fn check_public_url(raw: &str) -> anyhow::Result<()> {
    let url =
        url::Url::parse(raw).map_err(|e| anyhow!("REDKEY_PUBLIC_URL {raw:?} is not a URL: {e}"))?;
    let Some(host) = url.host_str() else {
        bail!("REDKEY_PUBLIC_URL {raw:?} names no host");
    };
    let local = super::is_loopback_name(host);
    match url.scheme() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        "http" => bail!(
            "REDKEY_PUBLIC_URL {raw:?} is plain http on a public name: sign-in cookies \
             would cross the network unencrypted; serve it over https (see README, Deploying)"
        ),
        _ => bail!("REDKEY_PUBLIC_URL {raw:?} is not an http(s) URL"),
    }
}

/// Checks each retired view is a Twenty view the cockpit has a page for.
fn parse_retired(pairs: Vec<(String, String)>) -> anyhow::Result<BTreeMap<String, NaiveDate>> {
    let mut out = BTreeMap::new();
    for (key, date) in pairs {
        let key = key.trim();
        match redkey_types::TWENTY_VIEWS.iter().find(|v| v.0 == key) {
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
