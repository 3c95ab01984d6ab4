//! Sign-in throttling in Postgres: by email and address, with a global
//! ceiling that never stops an address that has not failed.

use std::net::IpAddr;

use redkey_data::users;
use redkey_testkit::TestDb;

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn failures_slow_their_own_address_and_email_only() {
    let t = TestDb::new().await;
    let guesser = addr("127.0.0.7");
    for _ in 0..4 {
        users::sign_in_outcome(&t.db, "Ann@X.test", guesser, false)
            .await
            .unwrap();
    }
    assert_eq!(
        users::sign_in_wait(&t.db, "ann@x.test", guesser)
            .await
            .unwrap(),
        0
    );
    users::sign_in_outcome(&t.db, "ann@x.test", guesser, false)
        .await
        .unwrap();
    let wait = users::sign_in_wait(&t.db, "ANN@x.test", guesser)
        .await
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // The sixth failure doubles the wait.
    users::sign_in_outcome(&t.db, "ann@x.test", guesser, false)
        .await
        .unwrap();
    let longer = users::sign_in_wait(&t.db, "ann@x.test", guesser)
        .await
        .unwrap();
    assert!(longer > 60 && longer <= 120, "{longer}");
    // Another address, or another email, goes.
    assert_eq!(
        users::sign_in_wait(&t.db, "ann@x.test", addr("127.0.0.8"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        users::sign_in_wait(&t.db, "bob@x.test", guesser)
            .await
            .unwrap(),
        0
    );
    // A success from the guessing address forgives it.
    users::sign_in_outcome(&t.db, "ann@x.test", guesser, true)
        .await
        .unwrap();
    assert_eq!(
        users::sign_in_wait(&t.db, "ann@x.test", guesser)
            .await
            .unwrap(),
        0
    );
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
    let clean = addr("127.0.0.20");
    assert_eq!(
        users::sign_in_wait(&t.db, "ann@x.test", clean)
            .await
            .unwrap(),
        0
    );
    let failed_once = addr("127.0.0.21");
    users::sign_in_outcome(&t.db, "ann@x.test", failed_once, false)
        .await
        .unwrap();
    assert!(
        users::sign_in_wait(&t.db, "bob@x.test", failed_once)
            .await
            .unwrap()
            > 0
    );
    assert_eq!(
        users::sign_in_wait(&t.db, "bob@x.test", clean)
            .await
            .unwrap(),
        0
    );
}
