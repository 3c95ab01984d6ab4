//! OAuth mailboxes: refreshing and rotating tokens, and connecting one
//! through the provider's consent.

use super::*;

/// A fake OAuth provider: a token endpoint that rotates refresh tokens
/// (r1 → r2 → r3...) and an introspection endpoint Dovecot asks.
async fn fake_oauth() -> String {
    use axum::{routing::post, Form, Json, Router};
    use std::collections::HashMap;
    let app = Router::new()
        .route(
            "/token",
            post(|Form(f): Form<HashMap<String, String>>| async move {
                let ok = f.get("grant_type").map(String::as_str) == Some("refresh_token")
                    && f.get("client_id").map(String::as_str) == Some("redkey-test")
                    && f.get("client_secret").map(String::as_str) == Some("client-secret");
                let n: u32 = f
                    .get("refresh_token")
                    .and_then(|t| t.strip_prefix('r'))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                if !ok || n == 0 || n > 5 {
                    return (
                        axum::http::StatusCode::BAD_REQUEST,
                        Json(json!({"error": "invalid_grant"})),
                    );
                }
                (
                    axum::http::StatusCode::OK,
                    Json(json!({
                        "access_token": format!("access-{n}"), "token_type": "Bearer",
                        "expires_in": 3600, "refresh_token": format!("r{}", n + 1),
                    })),
                )
            }),
        )
        .route(
            "/introspect",
            post(|Form(f): Form<HashMap<String, String>>| async move {
                let active = f.get("token").is_some_and(|t| t.starts_with("access-"));
                Json(json!({ "active": active, "username": "test" }))
            }),
        );
    crate::helpers::listen(app).await
}

#[tokio::test]
async fn an_oauth_mailbox_refreshes_its_token_rotates_it_and_fails_clearly_when_revoked() {
    let oauth = fake_oauth().await;
    let t = TestDb::new().await;
    let (client, _, human) = t.two_clients().await;
    let imap = Dovecot::start_with(Some(&format!("{oauth}/introspect"))).await;
    imap.append(
        "INBOX",
        &mail(
            "o1@lovelace.test",
            "ada@lovelace.test",
            "justin@alpha.test",
            "Hi",
            "",
            "Hello",
        ),
        &day(0),
    )
    .await;
    let store = SecretBox::new(&SecretBox::generate_key(), &[]).unwrap();
    let settings = json!({
        "host": "127.0.0.1", "port": imap.port, "security": "plain", "username": "test",
        "address": "justin@alpha.test", "auth": "xoauth2",
        "token_url": format!("{oauth}/token"), "client_id": "redkey-test",
    });
    let mut tx = t.tx(client, human).await;
    let source = sources::create(&mut tx, SourceKind::Imap, "Gmail", &settings)
        .await
        .unwrap();
    let cred = json!({ "refresh_token": "r1", "client_secret": "client-secret" }).to_string();
    sources::set_secret(&mut tx, &store, source.id, &cred)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let done = sync_mailbox(&t.db, &store, client, &source).await.unwrap();
    assert_eq!(done.stored, 1);
    // The provider rotated the refresh token: the new one is kept, sealed.
    let mut tx = t.tx(client, Actor::Agent).await;
    let kept = sources::secret(&mut tx, &store, source.id)
        .await
        .unwrap()
        .unwrap();
    drop(tx);
    assert!(kept.contains("\"r2\""), "{kept}");
    assert!(sync_mailbox(&t.db, &store, client, &source).await.is_ok());

    // Revoked (the fake refuses past r5): a clear error, nothing stored.
    let mut tx = t.tx(client, Actor::Agent).await;
    let revoked = json!({ "refresh_token": "r9", "client_secret": "client-secret" }).to_string();
    sources::set_secret(&mut tx, &store, source.id, &revoked)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let err = sync_mailbox(&t.db, &store, client, &source)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("reconnect the mailbox"), "{err}");
}

#[tokio::test]
async fn a_person_connects_a_mailbox_with_oauth_consent() {
    use axum::{routing::post, Form, Json, Router};
    use std::collections::HashMap;
    // The provider's token endpoint: one good code.
    let provider = crate::helpers::listen(Router::new().route(
        "/token",
        post(|Form(f): Form<HashMap<String, String>>| async move {
            let good = f.get("grant_type").map(String::as_str) == Some("authorization_code")
                && f.get("code").map(String::as_str) == Some("good-code")
                && f.get("client_secret").map(String::as_str) == Some("provider-secret")
                && f.get("redirect_uri")
                    .is_some_and(|u| u.ends_with("/oauth/mail/callback"));
            if good {
                (
                    axum::http::StatusCode::OK,
                    Json(json!({ "access_token": "a", "refresh_token": "refresh-1" })),
                )
            } else {
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    Json(json!({ "error": "invalid_grant" })),
                )
            }
        }),
    ))
    .await;
    let t = TestDb::new().await;
    let (client, _, _) = t.two_clients().await;
    t.user("justin@alpha.test", &["alpha"]).await;
    let key = SecretBox::generate_key();
    let providers = json!([{
        "name": "fakemail", "auth_url": format!("{provider}/authorize"), "token_url": format!("{provider}/token"),
        "client_id": "redkey-client", "client_secret": "provider-secret",
        "scope": "https://mail.google.com/", "imap_host": "imap.fakemail.test",
    }])
    .to_string();
    let settings = redkey::config::Settings::from_pairs(&[
        ("REDKEY_SECRET_KEY", key.as_str()),
        ("REDKEY_MAIL_OAUTH", providers.as_str()),
    ])
    .unwrap();
    let addr = crate::helpers::spawn_app(&t, &settings).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed = http
        .post(format!("http://{addr}/api/sign_in"))
        .header("origin", format!("http://{addr}"))
        .form(&[
            ("email", "justin@alpha.test"),
            ("password", "a long test password"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("redkey_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("signed in");
    let get = |path: String| {
        http.get(format!("http://{addr}{path}"))
            .header("cookie", &cookie)
            .send()
    };
    let start = get("/oauth/mail/fakemail/start?address=justin%40alpha.test".into())
        .await
        .unwrap();
    assert_eq!(start.status().as_u16(), 303);
    let to = reqwest::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    assert!(to.as_str().starts_with(&format!("{provider}/authorize")));
    let q: HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert_eq!(
        (q["client_id"].as_str(), q["login_hint"].as_str()),
        ("redkey-client", "justin@alpha.test")
    );
    // A forged state is refused and connects nothing.
    let forged = get("/oauth/mail/callback?code=good-code&state=forged".into())
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 400);
    // The state was spent by the refusal: consent again, then come back.
    let start = get("/oauth/mail/fakemail/start?address=justin%40alpha.test".into())
        .await
        .unwrap();
    let to = reqwest::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let state = to
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let back = get(format!("/oauth/mail/callback?code=good-code&state={state}"))
        .await
        .unwrap();
    assert_eq!(back.status().as_u16(), 303, "{:?}", back.text().await);
    let store = SecretBox::new(&key, &[]).unwrap();
    let mut tx = t.tx(client, Actor::Agent).await;
    let boxes = sources::of_kind(&mut tx, SourceKind::Imap).await.unwrap();
    assert_eq!(boxes.len(), 1);
    assert_eq!(
        (
            boxes[0].settings["auth"].as_str(),
            boxes[0].settings["host"].as_str()
        ),
        (Some("xoauth2"), Some("imap.fakemail.test"))
    );
    let sealed = sources::secret(&mut tx, &store, boxes[0].id)
        .await
        .unwrap()
        .unwrap();
    assert!(sealed.contains("refresh-1"));
}
