//! One read transaction for everything a page render reads.
//!
//! A page's navigation, its data and its saved views are separate server
//! functions; each opening its own transaction cost a `BEGIN` and a
//! connection's return (two round trips) apiece. Rendered on the server,
//! they share one: the first read opens it, later reads wait their turn on
//! it, and it rolls back as the response body ends or is dropped, so it
//! never outlives the request whatever the render's owner still holds.
//! Outside a page render (a server function called from the browser, a
//! read after the response ended) each read opens its own, as before.
//! A read that fails spoils the transaction (Postgres refuses every later
//! statement in it), so the page's next read starts a fresh one.

use std::{
    ops::{Deref, DerefMut},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use tokio::sync::{Mutex, OwnedMutexGuard};

use super::db::{Actor, ClientId, Db, Tx};
use super::session::SignedIn;
use crate::model::AppError;

/// The shared transaction of one page request, carried in the request's
/// extensions from the sign-in gate.
#[derive(Clone, Default)]
pub struct PageReads {
    slot: Arc<Mutex<Option<Tx>>>,
    closed: Arc<AtomicBool>,
    spoiled: Arc<AtomicBool>,
}

impl PageReads {
    /// From now on reads open their own transactions, and the shared one
    /// rolls back (its connection goes back to the pool) as soon as no
    /// read holds it. Called as the response body ends.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.settle();
    }

    /// Whoever touches the slot last after the close, or after a read
    /// failed, ends the transaction: the close itself, or the read that
    /// held it then.
    fn settle(&self) {
        if self.closed.load(Ordering::SeqCst) || self.spoiled.load(Ordering::SeqCst) {
            if let Ok(mut slot) = self.slot.try_lock() {
                slot.take();
                self.spoiled.store(false, Ordering::SeqCst);
            }
        }
    }
}

/// The page request being rendered, if any.
fn this_page() -> Option<PageReads> {
    leptos::prelude::with_context::<http::request::Parts, _>(|parts| {
        parts.extensions.get::<PageReads>().cloned()
    })
    .flatten()
}

/// A database call of this request failed: if it was in the page's shared
/// transaction, that transaction is spoiled and ends; the next read opens
/// another. Called where database errors become the cockpit's errors, so
/// every server function's failure passes here.
pub fn spoil() {
    if let Some(page) = this_page() {
        page.spoiled.store(true, Ordering::SeqCst);
        page.settle();
    }
}

/// A write is about to open its own transaction during this page's render:
/// the shared read ends first (once no read holds it) and later reads open
/// their own. Holding the idle shared transaction's connection while
/// waiting for another deadlocked a render whenever the pool, or the
/// pooler's server sessions, had none left: the Today page (which records
/// the visit) waited out PgBouncer's two-minute query_wait_timeout.
pub fn release_for_write() {
    if let Some(page) = this_page() {
        page.close();
    }
}

/// A read transaction: the page's shared one, or one of its own.
pub struct ReadTx {
    guard: Option<OwnedMutexGuard<Option<Tx>>>,
    shared: Option<PageReads>,
}

impl Deref for ReadTx {
    type Target = Tx;
    fn deref(&self) -> &Tx {
        self.guard
            .as_deref()
            .and_then(Option::as_ref)
            .expect("a ReadTx is made around an open transaction")
    }
}

impl DerefMut for ReadTx {
    fn deref_mut(&mut self) -> &mut Tx {
        self.guard
            .as_deref_mut()
            .and_then(Option::as_mut)
            .expect("a ReadTx is made around an open transaction")
    }
}

impl Drop for ReadTx {
    fn drop(&mut self) {
        drop(self.guard.take());
        if let Some(shared) = &self.shared {
            shared.settle();
        }
    }
}

/// A transaction to read in as `me`: the page request's shared one when
/// there is one (and it is `me`'s), else a new one.
pub async fn read_as(me: &SignedIn) -> Result<ReadTx, AppError> {
    let db = leptos::prelude::use_context::<Db>().ok_or(AppError::Internal)?;
    let (client, actor) = (ClientId(me.client), Actor::User(me.user));
    if let Some(shared) = this_page() {
        let mut guard = shared.slot.clone().lock_owned().await;
        if shared.closed.load(Ordering::SeqCst) {
            guard.take();
        } else {
            if shared.spoiled.swap(false, Ordering::SeqCst) {
                guard.take();
            }
            if guard.is_none() {
                *guard = Some(db.begin_page_read(client, actor).await?);
            }
            if guard
                .as_ref()
                .is_some_and(|tx| tx.client() == client && tx.actor() == actor)
            {
                return Ok(ReadTx {
                    guard: Some(guard),
                    shared: Some(shared),
                });
            }
        }
    }
    let own = Arc::new(Mutex::new(Some(db.begin_page_read(client, actor).await?)));
    Ok(ReadTx {
        guard: Some(own.lock_owned().await),
        shared: None,
    })
}
