//! Sign-in and sessions over HTTP: the server functions reachable without
//! a session, throttling that slows only the guessing address, sessions
//! that end when the user is disabled, removed or changes password, body
//! limits, and the Host gate.

use std::net::SocketAddr;

use redkey_data::admin;
use redkey_testkit::TestDb;
use redkey_types::EmailAddress;
use reqwest::{header, StatusCode};

pub(crate) const PASSWORD: &str = "a long test password";

use crate::helpers::{
    client_from, serve,
    visitor::{session_cookie, session_cookie_set},
};

/// Signs in through the server function as a form would; the status and
/// the session cookie, if one was set.
pub(crate) async fn sign_in(
    http: &reqwest::Client,
    addr: SocketAddr,
    email: &str,
    password: &str,
) -> (StatusCode, Option<String>, String) {
    let r = http
        .post(format!("http://{addr}/api/sign_in"))
        .header("origin", format!("http://{addr}"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let cookie = session_cookie(&r);
    (status, cookie, r.text().await.unwrap_or_default())
}

/// The contacts page with `cookie`: 200 while the session stands, a
/// redirect to sign-in once it does not.
async fn page(http: &reqwest::Client, addr: SocketAddr, cookie: &str) -> StatusCode {
    http.get(format!("http://{addr}/contacts"))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn only_sign_in_current_user_and_the_invitation_link_answer_without_a_session() {
    let t = TestDb::new().await;
    let addr = serve(&t).await;
    let http = client_from("127.0.0.1");
    let mut open = vec![];
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let r = http
            .post(format!("http://{addr}{path}"))
            .header("origin", format!("http://{addr}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .unwrap();
        if r.status() != StatusCode::UNAUTHORIZED {
            open.push(path.to_string());
        }
    }
    open.sort();
    assert_eq!(
        open,
        [
            "/api/accept_invitation",
            "/api/current_user",
            "/api/invitation_info",
            "/api/sign_in"
        ],
        "an invitation link is opened before any session"
    );
}

#[tokio::test]
async fn sessions_end_when_the_user_is_disabled_removed_or_changes_password() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let email = EmailAddress::parse("ann@alpha.test").unwrap();
    t.user(email.as_str(), &["alpha"]).await;
    let addr = serve(&t).await;
    let http = client_from("127.0.0.1");
    let signed_in = || async {
        let (status, cookie, body) = sign_in(&http, addr, email.as_str(), PASSWORD).await;
        assert!(
            status.is_success() || status.is_redirection(),
            "{status} {body}"
        );
        cookie.expect("a session cookie")
    };

    let cookie = signed_in().await;
    assert_eq!(page(&http, addr, &cookie).await, StatusCode::OK);
    admin::set_user(&t.owner, &email, Some(true), None)
        .await
        .unwrap();
    assert_eq!(page(&http, addr, &cookie).await, StatusCode::SEE_OTHER);
    let (status, ..) = sign_in(&http, addr, email.as_str(), PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "disabled users cannot sign in"
    );

    admin::set_user(&t.owner, &email, Some(false), None)
        .await
        .unwrap();
    let cookie = signed_in().await;
    assert_eq!(page(&http, addr, &cookie).await, StatusCode::OK);
    admin::set_user(&t.owner, &email, None, Some("another long password"))
        .await
        .unwrap();
    assert_eq!(page(&http, addr, &cookie).await, StatusCode::SEE_OTHER);

    let (status, cookie, _) = sign_in(&http, addr, email.as_str(), "another long password").await;
    assert!(status.is_success() || status.is_redirection());
    let cookie = cookie.unwrap();
    assert_eq!(page(&http, addr, &cookie).await, StatusCode::OK);
    assert!(admin::remove_membership(&t.owner, &email, "alpha")
        .await
        .unwrap());
    assert_eq!(page(&http, addr, &cookie).await, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn guessing_slows_the_guesser_and_never_locks_the_user_out() {
    let t = TestDb::new().await;
    t.two_clients().await;
    t.user("bea@alpha.test", &["alpha"]).await;
    let addr = serve(&t).await;
    let guesser = client_from("127.0.0.1");
    for _ in 0..5 {
        let (status, ..) = sign_in(&guesser, addr, "Bea@Alpha.test", "wrong guess!!").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The guessing address now waits, even with the right password.
    let (status, _, body) = sign_in(&guesser, addr, "bea@alpha.test", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains("minutes"), "{body}");
    // Bea, elsewhere, signs in as usual.
    let bea = client_from("127.0.0.2");
    let (status, cookie, body) = sign_in(&bea, addr, "bea@alpha.test", PASSWORD).await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {body}"
    );
    assert!(cookie.is_some(), "signed in");
}

#[tokio::test]
async fn bodies_are_limited_and_other_hosts_refused() {
    let t = TestDb::new().await;
    let addr = serve(&t).await;
    let http = client_from("127.0.0.1");
    let big = "x".repeat(70 * 1024);
    let r = http
        .post(format!("http://{addr}/api/sign_in"))
        .header("origin", format!("http://{addr}"))
        .form(&[("email", "a@b.test"), ("password", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let path = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .find(|p| p.contains("save_contact"))
        .expect("a server function that takes input");
    let r = http
        .post(format!("http://{addr}{path}"))
        .header("origin", format!("http://{addr}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("x".repeat(2 << 20))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A page asked for under another name (DNS rebinding) is refused;
    // health checks answer whatever the name.
    for (path, status) in [("/sign-in", 421), ("/healthz", 200)] {
        let r = http
            .get(format!("http://{addr}{path}"))
            .header(header::HOST, "rebound.evil.test")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
    }
}

#[tokio::test]
async fn the_session_row_names_its_user_and_a_session_that_no_longer_stands_is_deleted() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let email = EmailAddress::parse("owner@alpha.test").unwrap();
    let addr = serve(&t).await;
    let http = client_from("127.0.0.1");
    let (_, cookie, _) = sign_in(&http, addr, email.as_str(), PASSWORD).await;
    let cookie = cookie.unwrap();
    let rows = || async {
        sqlx::query_as::<_, (Option<uuid::Uuid>, Option<uuid::Uuid>)>(
            "SELECT s.user_id, s.client_id FROM tower_sessions.session s",
        )
        .fetch_all(&t.owner)
        .await
        .unwrap()
    };
    let user: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_one(&t.owner)
        .await
        .unwrap();
    let stored = rows().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, Some(user), "the row carries who signed in");
    assert!(stored[0].1.is_some());
    assert_eq!(page(&http, addr, &cookie).await, StatusCode::OK);

    // A row whose columns disagree with its data is not trusted.
    sqlx::query("UPDATE tower_sessions.session SET user_id = gen_random_uuid()")
        .execute(&t.owner)
        .await
        .unwrap();
    assert_eq!(page(&http, addr, &cookie).await, StatusCode::SEE_OTHER);
    assert!(
        rows().await.is_empty(),
        "the session that no longer stands is gone"
    );
}

#[tokio::test]
async fn a_session_in_use_is_extended_at_most_once_an_hour() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let addr = serve(&t).await;
    let http = client_from("127.0.0.1");
    let (_, cookie, _) = sign_in(&http, addr, "owner@alpha.test", PASSWORD).await;
    let cookie = cookie.unwrap();
    // The page's status and the session cookie it sets, if any.
    let visit = || async {
        let r = http
            .get(format!("http://{addr}/contacts"))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        (
            r.status(),
            session_cookie_set(&r).map(str::to_ascii_lowercase),
        )
    };
    // Seconds the stored session has left, and its row version.
    let stored = || async {
        sqlx::query_as::<_, (f64, String)>(
            "SELECT extract(epoch FROM expiry_date - now())::float8, xmin::text \
             FROM tower_sessions.session",
        )
        .fetch_one(&t.owner)
        .await
        .unwrap()
    };
    let set_left = |interval: &'static str| {
        let owner = t.owner.clone();
        async move {
            sqlx::query(&format!(
                "UPDATE tower_sessions.session SET expiry_date = now() + interval '{interval}'"
            ))
            .execute(&owner)
            .await
            .unwrap();
        }
    };

    let (_, fresh) = stored().await;
    assert_eq!(visit().await, (StatusCode::OK, None));
    assert_eq!(stored().await.1, fresh, "a fresh session is not written");

    // Last extended eleven hours ago: one hour left.
    set_left("1 hour").await;
    let (status, sent) = visit().await;
    assert_eq!(status, StatusCode::OK);
    let sent = sent.expect("the cookie is sent again with the new expiry");
    assert!(sent.contains("max-age=43200"), "{sent}");
    let (left, extended) = stored().await;
    assert!(left > 11.9 * 3600.0, "twelve hours from now, not {left} s");
    assert_eq!(
        visit().await,
        (StatusCode::OK, None),
        "the next request extends nothing"
    );
    assert_eq!(stored().await.1, extended, "and writes nothing");

    // Unused past its expiry, the session is over.
    set_left("-1 second").await;
    assert_eq!(visit().await.0, StatusCode::SEE_OTHER);
}
