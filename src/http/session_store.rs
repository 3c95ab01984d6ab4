//! The cockpit's session store: tower-sessions' Postgres table, written and
//! read through the data layer so it also works behind a transaction-mode
//! pooler, with the per-request check that the signed-in session still
//! stands folded into the one query that loads it.

use app::ssr::session::{SignedIn, EXTEND, KEY};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redkey_data::{
    sessions::{self, Owner},
    Db,
};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

/// A session in use has its expiry moved at most this often: one write an
/// hour, not one per request.
const EXTEND_EVERY: chrono::Duration = chrono::Duration::hours(1);

#[derive(Clone, Debug)]
pub struct CheckedStore {
    db: Db,
    /// How long an unused session lasts.
    idle: chrono::Duration,
}

impl CheckedStore {
    /// `idle` is the session layer's own inactivity expiry.
    pub fn new(db: Db, idle: time::Duration) -> Self {
        let idle = chrono::Duration::seconds(idle.whole_seconds());
        Self { db, idle }
    }

    /// Whether the session's expiry was last moved over an hour ago.
    fn due_to_extend(&self, expires: DateTime<Utc>) -> bool {
        expires < Utc::now() + self.idle - EXTEND_EVERY
    }
}

/// The record's bytes, expiry and owner as the table keeps them.
fn columns(record: &Record) -> Result<(Vec<u8>, DateTime<Utc>, Option<Owner>)> {
    let data = rmp_serde::to_vec(record).map_err(|e| Error::Encode(e.to_string()))?;
    let nanos = record.expiry_date.unix_timestamp_nanos();
    let expires = DateTime::from_timestamp_nanos(nanos.try_into().unwrap_or(i64::MAX));
    let owner = signed_in(record).map(|s| Owner {
        user: s.user,
        client: s.client,
        since: s.since,
    });
    Ok((data, expires, owner))
}

fn signed_in(record: &Record) -> Option<SignedIn> {
    record
        .data
        .get(KEY)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn backend(e: redkey_data::DbError) -> Error {
    Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for CheckedStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let (data, expires, owner) = columns(record)?;
        // A taken id (a 128-bit collision) is never overwritten: draw again.
        while !sessions::create(&self.db, &record.id.to_string(), &data, expires, owner)
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let (data, expires, owner) = columns(record)?;
        sessions::save(&self.db, &record.id.to_string(), &data, expires, owner)
            .await
            .map_err(backend)
    }

    /// The session, or none when it names someone whose session no longer
    /// stands (then it is deleted).
    ///
    /// tower-sessions moves a session's expiry only when it saves the
    /// session, and saves only a session whose data changed; it shows
    /// neither the stored expiry nor a way for a store to ask for a save.
    /// A signed-in session due to be extended is loaded with the `EXTEND`
    /// mark, which the sign-in gate takes off: a change, so the session is
    /// saved with a new expiry and its cookie sent again.
    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(row) = sessions::load(&self.db, &id.to_string())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let mut record: Record =
            rmp_serde::from_slice(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        let signed_in = signed_in(&record);
        let holds = match &signed_in {
            None => true,
            Some(s) => row.stands && row.user_id == Some(s.user) && row.client_id == Some(s.client),
        };
        if holds {
            if signed_in.is_some() && self.due_to_extend(row.expiry_date) {
                record.data.insert(EXTEND.into(), true.into());
            }
            Ok(Some(record))
        } else {
            self.delete(id).await?;
            Ok(None)
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        sessions::delete(&self.db, &id.to_string())
            .await
            .map_err(backend)
    }
}

/// Deletes expired sessions every `every`, for the server's life.
pub fn spawn_cleanup(db: Db, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = sessions::delete_expired(&db).await {
                tracing::warn!(error = %e, "deleting expired sessions failed");
            }
        }
    });
}
