//! A page render's reads share one transaction, which ends with the
//! response; reads outside a page render each have their own.

use app::model::AppError;
use app::ssr::{
    page_reads::{read_as, release_for_write, PageReads},
    session::SignedIn,
};
use chrono::{DateTime, Utc};
use leptos::prelude::{provide_context, Owner, ScopedFuture};
use redkey_data::{Actor, ClientId, DbError};
use redkey_testkit::TestDb;

/// The backend and the transaction's start: equal for reads in one
/// transaction, different for reads in two.
type Stamp = (i32, DateTime<Utc>);

/// Reads `(pid, now())` through `read_as` in a render whose request
/// carries `reads` (or none).
async fn stamp(owner: &Owner, me: &SignedIn) -> Stamp {
    let me = me.clone();
    let read = owner.with(|| {
        ScopedFuture::new(async move {
            let mut tx = read_as(&me).await.expect("a read transaction");
            sqlx::query_as("SELECT pg_backend_pid(), now()")
                .fetch_one(tx.conn())
                .await
                .unwrap()
        })
    });
    read.await
}

fn render(t: &TestDb, reads: Option<&PageReads>) -> Owner {
    let mut request = axum::http::Request::builder().uri("/contacts");
    if let Some(reads) = reads {
        request = request.extension(reads.clone());
    }
    let (parts, ()) = request.body(()).unwrap().into_parts();
    let owner = Owner::new();
    owner.with(|| {
        provide_context(t.db.clone());
        provide_context(parts);
    });
    owner
}

fn signed_in(actor: Actor, client: ClientId) -> SignedIn {
    let Actor::User(user) = actor else {
        panic!("a person")
    };
    SignedIn {
        user,
        name: "Test User".into(),
        email: "owner@alpha.test".into(),
        client: client.0,
        since: Utc::now(),
    }
}

/// The open transactions of the serving role, seen from outside.
async fn open_transactions(t: &TestDb) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&t.owner)
    .await
    .unwrap()
}

/// Waits (briefly) for the pool to take back what was dropped.
pub async fn no_open_transactions(t: &TestDb) -> bool {
    for _ in 0..50 {
        if open_transactions(t).await == 0 {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

/// A person signed in to alpha, and a page request being rendered for
/// them; beta is the person's other client.
struct Page {
    t: TestDb,
    me: SignedIn,
    beta: ClientId,
    reads: PageReads,
    page: Owner,
}

async fn page() -> Page {
    let t = TestDb::new().await;
    let (alpha, beta, me) = t.two_clients().await;
    let reads = PageReads::default();
    let page = render(&t, Some(&reads));
    Page {
        me: signed_in(me, alpha),
        t,
        beta,
        reads,
        page,
    }
}

#[tokio::test]
async fn reads_of_one_page_share_a_transaction_that_ends_with_the_response() {
    let Page {
        t,
        me,
        beta,
        reads,
        page,
    } = page().await;
    let first = stamp(&page, &me).await;
    let second = stamp(&page, &me).await;
    assert_eq!(first, second, "the page's reads are one transaction");
    assert_eq!(
        open_transactions(&t).await,
        1,
        "it stays open for the render"
    );

    // The same request acting elsewhere (it cannot, but if it did) is not
    // handed the page's transaction.
    let elsewhere = SignedIn {
        client: beta.0,
        ..me.clone()
    };
    assert_ne!(stamp(&page, &elsewhere).await, first);

    reads.close();
    assert!(
        no_open_transactions(&t).await,
        "the response's end rolls it back"
    );
    let after = stamp(&page, &me).await;
    assert_ne!(after, first, "a read after the response has its own");
    assert!(no_open_transactions(&t).await, "and it does not keep it");

    // Without a page, every read is its own transaction.
    let call = render(&t, None);
    let (a, b) = (stamp(&call, &me).await, stamp(&call, &me).await);
    assert_ne!(a.1, b.1, "two reads outside a page are two transactions");
    assert!(no_open_transactions(&t).await);
}

#[tokio::test]
async fn a_read_holding_the_transaction_as_the_response_ends_ends_it() {
    let Page {
        t, me, reads, page, ..
    } = page().await;
    let held = {
        let me = me.clone();
        page.with(|| ScopedFuture::new(async move { read_as(&me).await.unwrap() }))
            .await
    };
    reads.close();
    assert_eq!(open_transactions(&t).await, 1, "the read still has it");
    drop(held);
    assert!(no_open_transactions(&t).await, "letting go of it ends it");
    drop(page);
}

#[tokio::test]
async fn a_failed_read_leaves_the_next_read_of_the_page_a_working_transaction() {
    let Page { t, me, page, .. } = page().await;
    let before = stamp(&page, &me).await;
    // A read whose statement fails, its error becoming the cockpit's as in
    // every server function.
    let failed = {
        let me = me.clone();
        page.with(|| {
            ScopedFuture::new(async move {
                let mut tx = read_as(&me).await.unwrap();
                let e = sqlx::query("SELECT 1 / 0")
                    .execute(tx.conn())
                    .await
                    .unwrap_err();
                AppError::from(DbError::from(e))
            })
        })
        .await
    };
    assert_eq!(failed, AppError::Internal);
    let after = stamp(&page, &me).await;
    assert_ne!(after, before, "the next read is in a new transaction");
    assert_eq!(
        open_transactions(&t).await,
        1,
        "the spoiled one ended; the new one serves the page"
    );
}

#[tokio::test]
async fn a_write_during_the_render_ends_the_pages_read_first() {
    let Page { t, me, page, .. } = page().await;
    let before = stamp(&page, &me).await;
    assert_eq!(open_transactions(&t).await, 1, "the page's read is open");
    // What a writing server function does before it opens its own
    // transaction: the render then holds no connection while it waits.
    page.with(release_for_write);
    assert!(
        no_open_transactions(&t).await,
        "the page's read ended before the write"
    );
    let after = stamp(&page, &me).await;
    assert_ne!(after, before, "a later read has its own transaction");
    assert!(no_open_transactions(&t).await, "and does not keep it");
}
