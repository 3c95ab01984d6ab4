//! Outside APIs through the integrations registry: before each use, where
//! to call and with which key (an admin's, set on Settings → Integrations,
//! or the configured one); after it, how it went.

use redkey_data::{
    api_library::{self, Configured},
    secrets::SecretBox,
    ClientId, Db,
};
use secrecy::SecretString;
use uuid::Uuid;

use crate::engine::TaskError;

/// Where an HTTP client calls and with which key: what the registry may
/// change between two calls. Its `Debug` shows the address only.
#[derive(Clone)]
pub struct Target {
    base: String,
    key: SecretString,
}

impl Target {
    pub fn new(base: &str, key: SecretString) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            key,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The key to send (possibly empty: none configured).
    pub fn secret(&self) -> &SecretString {
        &self.key
    }

    /// The key, unless none is configured.
    pub fn key(&self) -> Option<&SecretString> {
        use secrecy::ExposeSecret;
        Some(&self.key).filter(|k| !k.expose_secret().is_empty())
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// What to call now: the registry's row, its address, and the key (none:
/// no key anywhere, so the provider is off for this client).
pub struct Endpoint {
    pub id: Uuid,
    pub base_url: String,
    pub key: Option<SecretString>,
    /// Requests a minute to keep to, when one is set.
    pub rate_per_minute: Option<i32>,
}

/// Registers the configured provider for `client` (once) and
/// answers what to call now.
pub async fn endpoint(
    db: &Db,
    client: ClientId,
    secrets: Option<&SecretBox>,
    configured: &Configured<'_>,
    configured_key: Option<&SecretString>,
) -> Result<Endpoint, TaskError> {
    let mut tx = db.begin(client, redkey_data::Actor::Agent).await?;
    let used = api_library::use_provider(&mut tx, configured).await?;
    tx.commit().await?;
    let key = match (&used.sealed_key, secrets) {
        (Some(sealed), Some(secrets)) => Some(
            secrets
                .open(sealed, used.id.as_bytes())
                .map(SecretString::from)
                .map_err(|e| {
                    TaskError::Permanent(format!(
                        "the key set in Settings for {} cannot be opened: {e}",
                        configured.name
                    ))
                })?,
        ),
        (Some(_), None) => {
            return Err(TaskError::Permanent(format!(
                "a key is set in Settings for {}, but REDKEY_SECRET_KEY is not set to open it",
                configured.name
            )))
        }
        (None, _) => configured_key.cloned(),
    };
    Ok(Endpoint {
        id: used.id,
        base_url: used.base_url,
        key,
        rate_per_minute: used.rate_per_minute,
    })
}

/// Records how a call went; a failure to record is logged, never the
/// task's failure.
pub async fn report(db: &Db, client: ClientId, id: Uuid, outcome: Result<(), String>) {
    let recorded = async {
        let mut tx = db.begin(client, redkey_data::Actor::Agent).await?;
        api_library::called(
            &mut tx,
            id,
            outcome.as_ref().map(|_| ()).map_err(String::as_str),
        )
        .await?;
        tx.commit().await
    };
    if let Err(e) = recorded.await {
        tracing::warn!(integration = %id, error = %e, "could not record how the call went");
    }
}

/// Runs `call` to a provider whose address and credential live elsewhere
/// (a mailbox or calendar source, edited under Sources): registers it,
/// then reports how the call went.
pub async fn tracked<T, E: std::fmt::Display>(
    db: &Db,
    client: ClientId,
    configured: &Configured<'_>,
    call: impl std::future::Future<Output = Result<T, E>>,
) -> Result<Result<T, E>, TaskError> {
    let to = endpoint(db, client, None, configured, None).await?;
    let out = call.await;
    let outcome = out.as_ref().map(|_| ()).map_err(|e| e.to_string());
    report(db, client, to.id, outcome).await;
    Ok(out)
}

/// Lists Twenty, whose screens the cockpit links to until each is
/// retired, among every client's integrations (links only: no calls).
pub async fn register_twenty(db: &Db, clients: &[ClientId], url: &str) -> anyhow::Result<()> {
    let twenty = Configured {
        provider: "twenty",
        name: "screens",
        base_url: url,
        secret_ref: "none: the cockpit only links to it",
        rate_per_minute: None,
    };
    for client in clients {
        let mut tx = db.begin(*client, redkey_data::Actor::Agent).await?;
        api_library::use_provider(&mut tx, &twenty).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Where a configured key comes from, in words.
pub fn secret_ref(configured: bool, variable: &str, stored: &str) -> String {
    if configured {
        format!("{variable} or `redkey secrets put {stored}`")
    } else {
        "none configured: set a key here".to_string()
    }
}
