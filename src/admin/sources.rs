//! Applying the config file's `[[sources]]`: each is created in its client
//! or, when one of that kind and name exists, given the settings and
//! credential the file states.

use anyhow::{anyhow, bail, Context};
use redkey_data::{secrets::SecretBox, sources, Actor, ClientId, Db};
use redkey_types::SourceKind;
use secrecy::ExposeSecret;
use sqlx::PgPool;

use crate::config::SourceEntry;

pub async fn apply(
    db: &Db,
    owner: &PgPool,
    store: Option<&SecretBox>,
    entries: &[SourceEntry],
) -> anyhow::Result<usize> {
    for e in entries {
        let kind = SourceKind::parse(&e.kind)
            .ok_or_else(|| anyhow!("source {:?}: kind is form, quill, imap or caldav", e.name))?;
        if !e.settings.is_object() {
            bail!("source {:?}: settings is a table", e.name);
        }
        let client = redkey_data::admin::client_id(owner, &e.client)
            .await
            .with_context(|| format!("source {:?}: no client {:?}", e.name, e.client))?;
        let mut tx = db.begin(ClientId(client), Actor::Agent).await?;
        let existing = sources::of_kind(&mut tx, kind)
            .await?
            .into_iter()
            .find(|s| s.name == e.name);
        let id = match existing {
            Some(s) => {
                sources::set_settings(&mut tx, s.id, &e.settings).await?;
                s.id
            }
            None => {
                sources::create(&mut tx, kind, &e.name, &e.settings)
                    .await?
                    .id
            }
        };
        if let Some(secret) = &e.secret {
            let store = store.ok_or_else(|| {
                anyhow!(
                    "source {:?} has a secret: REDKEY_SECRET_KEY is required",
                    e.name
                )
            })?;
            sources::set_secret(&mut tx, store, id, secret.expose_secret()).await?;
        }
        tx.commit().await?;
    }
    Ok(entries.len())
}
