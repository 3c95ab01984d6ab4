//! The cockpit's session store: tower-sessions' Postgres store, with the
//! per-request check that the signed-in session still stands folded into
//! the one query that loads it (`tower_sessions.load_checked`).

use app::ssr::session::{SignedIn, KEY};
use async_trait::async_trait;
use sqlx::PgPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct CheckedStore {
    inner: PostgresStore,
    pool: PgPool,
}

impl CheckedStore {
    pub fn new(pool: PgPool) -> Self {
        Self {
            inner: PostgresStore::new(pool.clone()),
            pool,
        }
    }

    /// Writes who the session belongs to beside its data, for the check.
    async fn stamp(&self, record: &Record) -> Result<()> {
        let signed = signed_in(record);
        sqlx::query(
            "UPDATE tower_sessions.session SET user_id = $2, client_id = $3, signed_in_at = $4 \
             WHERE id = $1",
        )
        .bind(record.id.to_string())
        .bind(signed.as_ref().map(|s| s.user))
        .bind(signed.as_ref().map(|s| s.client))
        .bind(signed.as_ref().map(|s| s.since))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }
}

fn signed_in(record: &Record) -> Option<SignedIn> {
    record
        .data
        .get(KEY)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn backend(e: sqlx::Error) -> Error {
    Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for CheckedStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        self.inner.create(record).await?;
        self.stamp(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.inner.save(record).await?;
        self.stamp(record).await
    }

    /// The session, or none when it names someone whose session no longer
    /// stands (then it is deleted).
    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let row: Option<(Vec<u8>, Option<Uuid>, Option<Uuid>, bool)> = sqlx::query_as(
            "SELECT data, user_id, client_id, stands FROM tower_sessions.load_checked($1)",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some((data, user, client, stands)) = row else {
            return Ok(None);
        };
        let record: Record =
            rmp_serde::from_slice(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let holds = match signed_in(&record) {
            None => true,
            Some(s) => stands && user == Some(s.user) && client == Some(s.client),
        };
        if holds {
            Ok(Some(record))
        } else {
            self.inner.delete(id).await?;
            Ok(None)
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.inner.delete(id).await
    }
}
