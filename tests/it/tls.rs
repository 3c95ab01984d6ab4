//! The deployment shape: the built server behind Caddy's automatic HTTPS
//! (its internal CA) on 127.0.0.1, signed into over https.

use redkey_testkit::TestDb;
use reqwest::{header, StatusCode};

use crate::{
    helpers::{caddy::Caddy, server_process::start_server, visitor::session_cookie_set},
    sign_in::PASSWORD,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpit_signs_in_over_https_behind_caddy() {
    let t = TestDb::new().await;
    t.client("alpha").await;
    t.user("ann@alpha.test", &["alpha"]).await;
    let port = Caddy::free_port();
    let public = format!("https://127.0.0.1:{port}");
    let server = start_server(
        &t,
        "tls",
        &[
            ("REDKEY_PUBLIC_URL", public.as_str()),
            ("REDKEY_ENGINE", "off"),
        ],
    );
    let caddy = Caddy::start(port, server.port).await;
    let https = caddy.client().unwrap();

    // Only Caddy's own root is trusted: the chain it serves is checked.
    let untrusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(untrusting.get(caddy.url("/healthz")).send().await.is_err());

    let r = https
        .post(caddy.url("/api/sign_in"))
        .header("origin", &public)
        .form(&[("email", "ann@alpha.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let set_cookie = session_cookie_set(&r)
        .expect("a session cookie")
        .to_string();
    let attrs: Vec<String> = set_cookie
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attrs.iter().any(|a| a == "secure"), "{set_cookie}");
    assert!(attrs.iter().any(|a| a == "httponly"), "{set_cookie}");

    let cookie = set_cookie.split(';').next().unwrap();
    let page = https
        .get(caddy.url("/contacts"))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Contacts"));

    // A form posted from another origin, even over the same proxy, is refused.
    let forged = https
        .post(caddy.url("/api/sign_in"))
        .header("origin", "https://evil.test")
        .form(&[("email", "ann@alpha.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    drop(server);
}
