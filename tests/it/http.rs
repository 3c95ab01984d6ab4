//! The HTTP surface in-process: health, readiness, sign-in gate, origin
//! check, and server functions refusing without a session.

use redkey_testkit::TestDb;

use crate::helpers::server_process::start_server;

use crate::helpers::serve;

fn client() -> reqwest::Client {
    crate::helpers::client_from("127.0.0.1")
}

#[tokio::test]
async fn health_and_readiness() {
    let t = TestDb::new().await;
    let addr = serve(&t).await;
    let r = client()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client()
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["schema_version"], redkey::admin::latest_migration());
}

#[tokio::test]
async fn readiness_fails_when_a_migration_is_missing() {
    let t = TestDb::new().await;
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .execute(&t.owner)
    .await
    .unwrap();
    let addr = serve(&t).await;
    let r = client()
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn pages_need_a_session() {
    let t = TestDb::new().await;
    let addr = serve(&t).await;
    let r = client()
        .get(format!("http://{addr}/contacts?q=a"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sign-in?next=/contacts%3Fq%3Da");
    let r = client()
        .get(format!("http://{addr}/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Sign in"));
}

#[tokio::test]
async fn cross_origin_posts_are_refused_and_server_functions_need_a_session() {
    let t = TestDb::new().await;
    let addr = serve(&t).await;
    let fns: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .collect();
    let path = fns
        .iter()
        .find(|p| p.contains("load_board"))
        .expect("load_board is registered");
    let url = format!("http://{addr}{path}");
    let r = client()
        .post(&url)
        .header("origin", "https://evil.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client()
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no origin at all");
    let r = client()
        .post(&url)
        .header("origin", format!("http://{addr}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the refusal's own status, not 500");
    assert!(r.text().await.unwrap().contains("NotSignedIn"));
}

#[tokio::test]
async fn spans_name_the_route_and_the_task_and_never_a_secret() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let (_, bearer) = redkey_data::tokens::create(&t.owner, "alpha", "ea")
        .await
        .unwrap();
    let server = start_server(&t, "traced", &[("RUST_LOG", "info,redkey=debug")]);
    let base = format!("http://127.0.0.1:{}", server.port);
    // An unsubscribe token lives in the path; the log must not keep it.
    let unsubscribe = "0123456789abcdef".repeat(5);
    let page = client()
        .get(format!("{base}/u/{unsubscribe}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    let created = client()
        .post(format!("{base}/api/v1/tasks"))
        .bearer_auth(&bearer)
        .json(&serde_json::json!({ "topic": "roles.crm", "kind": "engine.echo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let wait = std::time::Duration::from_secs(10);
    server
        .wait_for_stderr("method=GET route=/u/{token} status=404", wait)
        .await;
    server
        .wait_for_stderr("method=POST route=/api/v1/tasks status=201", wait)
        .await;
    // The task ran inside its own span.
    server.wait_for_stderr("kind=engine.echo", wait).await;
    let log = server.stderr();
    assert!(!log.contains(&unsubscribe), "{log}");
    assert!(!log.contains(&bearer), "{log}");
}
