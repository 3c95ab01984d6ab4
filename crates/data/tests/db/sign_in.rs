//! Sign-in throttling in Postgres: by email and address, with a global
//! ceiling that never stops an address that has not failed.

use std::net::IpAddr;

use redkey_data::users;
use redkey_testkit::TestDb;

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Seconds `from` must wait before trying `email`.
async fn wait(t: &TestDb, email: &str, from: &str) -> i32 {
    users::sign_in_wait(&t.db, email, addr(from)).await.unwrap()
}

async fn outcome(t: &TestDb, email: &str, from: &str, ok: bool) {
    users::sign_in_outcome(&t.db, email, addr(from), ok)
        .await
        .unwrap()
}

#[tokio::test]
async fn failures_slow_their_own_address_and_email_only() {
    let t = TestDb::new().await;
    let guesser = "127.0.0.7";
    for _ in 0..4 {
        outcome(&t, "Ann@X.test", guesser, false).await;
    }
    assert_eq!(wait(&t, "ann@x.test", guesser).await, 0);
    outcome(&t, "ann@x.test", guesser, false).await;
    let first = wait(&t, "ANN@x.test", guesser).await;
    assert!((1..=60).contains(&first), "{first}");
    // The sixth failure doubles the wait.
    outcome(&t, "ann@x.test", guesser, false).await;
    let longer = wait(&t, "ann@x.test", guesser).await;
    assert!(longer > 60 && longer <= 120, "{longer}");
    // Another address, or another email, goes.
    assert_eq!(wait(&t, "ann@x.test", "127.0.0.8").await, 0);
    assert_eq!(wait(&t, "bob@x.test", guesser).await, 0);
    // A success from the guessing address forgives it.
    outcome(&t, "ann@x.test", guesser, true).await;
    assert_eq!(wait(&t, "ann@x.test", guesser).await, 0);
}

#[tokio::test]
async fn past_the_global_ceiling_only_addresses_that_failed_wait() {
    let t = TestDb::new().await;
    sqlx::query(
        "INSERT INTO sign_in_failures (email, address) \
         SELECT 'user' || i || '@x.test', ('127.1.' || (i / 250) || '.' || (i % 250))::inet \
         FROM generate_series(1, 1000) i",
    )
    .execute(&t.owner)
    .await
    .unwrap();
    assert_eq!(wait(&t, "ann@x.test", "127.0.0.20").await, 0);
    outcome(&t, "ann@x.test", "127.0.0.21", false).await;
    assert!(wait(&t, "bob@x.test", "127.0.0.21").await > 0);
    assert_eq!(wait(&t, "bob@x.test", "127.0.0.20").await, 0);
}
