//! Ingestion sources: forms, the meeting-notes webhook, mailboxes and
//! calendars, per client. Credentials go in sealed by the secret store,
//! bound to their row, and come back only through `crm_source_secret`.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::Value;
use uuid::Uuid;

use super::{secrets::SecretBox, ClientId, Db, DbError, Result, Tx};
use redkey_types::{IngestSource, SourceKind};

const COLUMNS: &str = "id, kind, name, public_key, settings, has_secret, created_at";

/// A new source; a form gets a key for its public URL: the client's id,
/// then 192 random bits.
pub async fn create(
    tx: &mut Tx,
    kind: SourceKind,
    name: &str,
    settings: &Value,
) -> Result<IngestSource> {
    create_owned(tx, kind, name, settings, None).await
}

/// A source that belongs to one person (a mailbox: its bodies are theirs).
pub async fn create_owned(
    tx: &mut Tx,
    kind: SourceKind,
    name: &str,
    settings: &Value,
    owner: Option<Uuid>,
) -> Result<IngestSource> {
    let client = tx.client();
    let key = (kind == SourceKind::Form).then(|| {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).expect("the OS has randomness");
        format!("{}{}", client.0.simple(), URL_SAFE_NO_PAD.encode(bytes))
    });
    Ok(sqlx::query_as(&format!(
        "INSERT INTO crm_sources (kind, name, public_key, settings, owner_user) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(kind)
    .bind(name.trim())
    .bind(key)
    .bind(settings)
    .bind(owner)
    .fetch_one(tx.conn())
    .await?)
}

pub async fn list(tx: &mut Tx) -> Result<Vec<IngestSource>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM crm_sources ORDER BY kind, created_at, id"
    ))
    .fetch_all(tx.conn())
    .await?)
}

/// The client's sources of one kind.
pub async fn of_kind(tx: &mut Tx, kind: SourceKind) -> Result<Vec<IngestSource>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM crm_sources WHERE kind = $1 ORDER BY created_at, id"
    ))
    .bind(kind)
    .fetch_all(tx.conn())
    .await?)
}

pub async fn get(tx: &mut Tx, id: Uuid) -> Result<IngestSource> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM crm_sources WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or(DbError::NotFound)
}

pub async fn set_settings(tx: &mut Tx, id: Uuid, settings: &Value) -> Result<()> {
    let done = sqlx::query("UPDATE crm_sources SET settings = $2 WHERE id = $1")
        .bind(id)
        .bind(settings)
        .execute(tx.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Seals `plain` for this source and stores it.
pub async fn set_secret(tx: &mut Tx, secrets: &SecretBox, id: Uuid, plain: &str) -> Result<()> {
    let sealed = secrets.seal(plain, id.as_bytes());
    sqlx::query("SELECT crm_set_source_secret($1, $2)")
        .bind(id)
        .bind(sealed)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The source's credential, opened (arlo only).
pub async fn secret(tx: &mut Tx, secrets: &SecretBox, id: Uuid) -> Result<Option<String>> {
    let sealed: Option<Vec<u8>> = sqlx::query_scalar("SELECT crm_source_secret($1)")
        .bind(id)
        .fetch_one(tx.conn())
        .await?;
    sealed
        .map(|s| secrets.open(&s, id.as_bytes()))
        .transpose()
        .map_err(|e| DbError::Invalid(e.to_string()))
}

/// The form a public key names: its client, id, name and settings. The
/// key's first 32 characters are its client's id.
pub async fn form_by_key(db: &Db, key: &str) -> Result<Option<(ClientId, Uuid, String, Value)>> {
    let Some(client) = key.get(..32).and_then(|c| Uuid::try_parse(c).ok()) else {
        return Ok(None);
    };
    let client = ClientId(client);
    let mut tx = db.begin(client, super::Actor::Agent).await?;
    let row: Option<(Uuid, String, Value)> = sqlx::query_as(
        "SELECT id, name, settings FROM crm_sources WHERE kind = 'form' AND public_key = $1",
    )
    .bind(key)
    .fetch_optional(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(row.map(|(id, name, s)| (client, id, name, s)))
}

/// A client's meeting-notes source: its id and credential, opened.
pub async fn quill_by_slug(
    db: &Db,
    secrets: &SecretBox,
    slug: &str,
) -> Result<Option<(ClientId, Uuid, Option<String>)>> {
    let Some(client) = super::engine::client_id(db, slug).await? else {
        return Ok(None);
    };
    let client = ClientId(client);
    let mut tx = db.begin(client, super::Actor::Agent).await?;
    let id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM crm_sources WHERE kind = 'quill'")
        .fetch_optional(tx.conn())
        .await?;
    let found = match id {
        Some(id) => Some((
            client,
            id,
            secret(&mut tx, secrets, id).await.ok().flatten(),
        )),
        None => None,
    };
    tx.commit().await?;
    Ok(found)
}

/// Records a webhook delivery; false when it was seen before.
pub async fn first_delivery(tx: &mut Tx, source: Uuid, delivery: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO crm_ingest_deliveries (source_id, delivery_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(source)
    .bind(delivery)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Re-seals every credential sealed with an older key (the rotation): the
/// sources' and the keys set on Settings → Integrations, each bound to its
/// row's id.
pub async fn reseal_all(owner: &sqlx::PgPool, secrets: &SecretBox) -> Result<u64> {
    Ok(reseal(owner, secrets, "ingest_sources", "secret").await?
        + reseal(owner, secrets, "api_library", "sealed_key").await?)
}

/// `table`'s `column` (literals of this module) re-sealed where stale.
async fn reseal(
    owner: &sqlx::PgPool,
    secrets: &SecretBox,
    table: &str,
    column: &str,
) -> Result<u64> {
    let rows: Vec<(Uuid, Vec<u8>)> = sqlx::query_as(&format!(
        "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
    ))
    .fetch_all(owner)
    .await?;
    let mut n = 0;
    for (id, sealed) in rows.into_iter().filter(|(_, s)| secrets.is_stale(s)) {
        let plain = secrets
            .open(&sealed, id.as_bytes())
            .map_err(|e| DbError::Invalid(format!("{table} {id}: {e}")))?;
        sqlx::query(&format!("UPDATE {table} SET {column} = $2 WHERE id = $1"))
            .bind(id)
            .bind(secrets.seal(&plain, id.as_bytes()))
            .execute(owner)
            .await?;
        n += 1;
    }
    Ok(n)
}
