//! A page render's reads share one transaction, which ends with the
//! response; reads outside a page render each have their own.

use app::ssr::{
    page_reads::{read_as, PageReads},
    session::SignedIn,
};
use chrono::{DateTime, Utc};
use leptos::prelude::{provide_context, Owner, ScopedFuture};
use redkey_data::{Actor, ClientId};
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

#[tokio::test]
async fn reads_of_one_page_share_a_transaction_that_ends_with_the_response() {
    let t = TestDb::new().await;
    let (alpha, beta, me) = t.two_clients().await;
    let me = signed_in(me, alpha);

    let reads = PageReads::default();
    let page = render(&t, Some(&reads));
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
    let t = TestDb::new().await;
    let (alpha, _, me) = t.two_clients().await;
    let me = signed_in(me, alpha);
    let reads = PageReads::default();
    let page = render(&t, Some(&reads));
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
