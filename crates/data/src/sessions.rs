//! The cockpit's sessions, in tower-sessions' table. Each statement runs in
//! a transaction of the serving login, like every other query here, so the
//! store works behind a transaction-mode pooler (a store that ran bare
//! statements on the pool would lose its prepared statement between Parse
//! and Bind there).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Db, Result};

/// Who a session belongs to, written beside its data for the per-request
/// check.
#[derive(Clone, Copy, Debug)]
pub struct Owner {
    pub user: Uuid,
    pub client: Uuid,
    pub since: DateTime<Utc>,
}

/// A stored session as loaded, with whether its owner's sign-in still
/// stands (user enabled, still a member, no password change since) and
/// when it ends unless used.
#[derive(Debug, sqlx::FromRow)]
pub struct Loaded {
    pub data: Vec<u8>,
    pub user_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub stands: bool,
    pub expiry_date: DateTime<Utc>,
}

/// Writes a session's row; `on_conflict` says what a taken id does.
async fn write(
    db: &Db,
    on_conflict: &str,
    id: &str,
    data: &[u8],
    expires: DateTime<Utc>,
    owner: Option<Owner>,
) -> Result<u64> {
    let mut tx = db.as_login().await?;
    let done = sqlx::query(&format!(
        "INSERT INTO tower_sessions.session \
           (id, data, expiry_date, user_id, client_id, signed_in_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) {on_conflict}"
    ))
    .bind(id)
    .bind(data)
    .bind(expires)
    .bind(owner.map(|o| o.user))
    .bind(owner.map(|o| o.client))
    .bind(owner.map(|o| o.since))
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Stores a new session; false when `id` is already taken (the caller
/// draws another).
pub async fn create(
    db: &Db,
    id: &str,
    data: &[u8],
    expires: DateTime<Utc>,
    owner: Option<Owner>,
) -> Result<bool> {
    Ok(write(db, "DO NOTHING", id, data, expires, owner).await? == 1)
}

/// Writes a session's data, expiry and owner.
pub async fn save(
    db: &Db,
    id: &str,
    data: &[u8],
    expires: DateTime<Utc>,
    owner: Option<Owner>,
) -> Result<()> {
    let update = "DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date, \
                  user_id = excluded.user_id, client_id = excluded.client_id, \
                  signed_in_at = excluded.signed_in_at";
    write(db, update, id, data, expires, owner).await?;
    Ok(())
}

/// An unexpired session with its check, in one query: every request's
/// first. On a direct pool it is one round trip of its own; behind a
/// transaction-mode pooler an unnamed statement needs a transaction to
/// keep one server (see `conn`), so it pays for BEGIN and COMMIT there.
pub async fn load(db: &Db, id: &str) -> Result<Option<Loaded>> {
    const LOAD: &str =
        "SELECT data, user_id, client_id, stands, expiry_date FROM tower_sessions.load_checked($1)";
    if db.pooler.names_statements() {
        return Ok(sqlx::query_as(LOAD)
            .bind(id)
            .fetch_optional(&db.pool)
            .await?);
    }
    let mut tx = db.as_login().await?;
    let row = sqlx::query_as(LOAD)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete(db: &Db, id: &str) -> Result<()> {
    let mut tx = db.as_login().await?;
    sqlx::query("DELETE FROM tower_sessions.session WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    tx.commit().await
}

/// Deletes every expired session; returns how many.
pub async fn delete_expired(db: &Db) -> Result<u64> {
    let mut tx = db.as_login().await?;
    let done = sqlx::query("DELETE FROM tower_sessions.session WHERE expiry_date < now()")
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}
