//! Invitations over HTTP: an admin invites; the email goes through the
//! client's Resend account (a fake speaking its contract) with the one-time
//! link; the link, opened without a session, makes the new person and
//! signs them in, once. Without an account the link is shown to pass on.

use redkey_data::settings;
use redkey_testkit::TestDb;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    client_from,
    fake_resend::FakeResend,
    post_form, serve, spawn_app,
    visitor::{location, session_cookie, Visitor},
};
use redkey::config::Settings;

/// The invitation link in an email's text.
fn link_in(text: &str) -> String {
    let at = text.find("/invite/").expect("a link");
    text[at..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn an_invitation_is_emailed_and_its_link_signs_the_new_person_in_once() {
    let t = TestDb::new().await;
    let (alpha, _, admin) = t.two_clients().await;
    let (url, fake) = FakeResend::start().await;
    let accounts = json!([{
        "client": "alpha", "api_key": "re_test", "from": "Alpha <team@alpha.test>",
        "webhook_secret": "whsec_dGVzdA==", "daily_cap": 100
    }])
    .to_string();
    let settings = Settings::from_pairs(&[
        ("REDKEY_EMAIL", &accounts),
        ("RESEND_BASE_URL", &url),
        ("REDKEY_PUBLIC_URL", "https://crm.alpha.test"),
    ])
    .unwrap();
    let addr = spawn_app(&t, &settings).await;
    let owner = Visitor::sign_in(addr, "owner@alpha.test").await;
    let r = owner
        .post_form(
            "invite_member",
            "/settings/members",
            &[
                ("invite_email", "New.Person@Example.test"),
                ("role", "member"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let sent = fake.delivered();
    assert_eq!(sent.len(), 1, "one email");
    let body = &sent[0].1;
    assert_eq!(body["to"], json!(["New.Person@example.test"]));
    assert_eq!(body["from"], "Alpha <team@alpha.test>");
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("https://crm.alpha.test/invite/"), "{text}");
    let link = link_in(text);
    // Inviting a member again is refused.
    let again = owner
        .post_form(
            "invite_member",
            "/settings/members",
            &[("invite_email", "owner@alpha.test"), ("role", "member")],
        )
        .await;
    assert!(again.status().is_redirection());
    assert_eq!(fake.delivered().len(), 1);

    // Opened without a session: who is invited where.
    let stranger = client_from("127.0.0.1");
    let page = stranger
        .get(format!("http://{addr}{link}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Join Client alpha") && html.contains("new.person@example.test"));
    let token = link.trim_start_matches("/invite/").to_string();
    let accept = |password: &'static str| {
        let (stranger, token, link) = (stranger.clone(), token.clone(), link.clone());
        async move {
            post_form(
                &stranger,
                addr,
                "",
                "accept_invitation",
                &link,
                &[
                    ("token", &token),
                    ("name", "New Person"),
                    ("password", password),
                ],
            )
            .await
        }
    };
    let short = accept("short").await;
    assert!(short.status().is_redirection());
    assert!(
        location(&short).contains("/invite/"),
        "back to the link: too short"
    );
    let joined = accept("a long new password").await;
    assert!(joined.status().is_redirection(), "{}", joined.status());
    let cookie = session_cookie(&joined).expect("signed in");
    let visitor = Visitor {
        http: stranger.clone(),
        addr,
        cookie,
    };
    assert_eq!(visitor.get("/contacts").await.status(), StatusCode::OK);
    // Once: the link is spent.
    let spent = stranger
        .get(format!("http://{addr}{link}"))
        .send()
        .await
        .unwrap();
    assert!(spent
        .text()
        .await
        .unwrap()
        .contains("used, revoked or expired"));
    let mut tx = t.tx(alpha, admin).await;
    let members = settings::members(&mut tx).await.unwrap();
    let new = members
        .iter()
        .find(|m| m.email == "new.person@example.test")
        .expect("a member now");
    assert_eq!(new.role, redkey_types::Role::Member);
    assert_eq!(new.first_name, "New");
}

#[tokio::test]
async fn without_an_email_account_the_link_is_shown_to_pass_on_and_a_member_cannot_invite() {
    let t = TestDb::new().await;
    t.two_clients().await;
    t.member("mia@alpha.test", &["alpha"]).await;
    let addr = serve(&t).await;
    let owner = Visitor::sign_in(addr, "owner@alpha.test").await;
    let r = owner
        .post_form(
            "invite_member",
            "/settings/members",
            &[("invite_email", "guest@example.test"), ("role", "admin")],
        )
        .await;
    assert!(r.status().is_redirection());
    let html = owner.text("/settings/members").await;
    assert!(
        html.contains("guest@example.test (admin)"),
        "listed as waiting"
    );
    let mia = Visitor::sign_in(addr, "mia@alpha.test").await;
    mia.post_form(
        "invite_member",
        "/settings/members",
        &[("invite_email", "sneaky@example.test"), ("role", "admin")],
    )
    .await;
    let html = owner.text("/settings/members").await;
    assert!(
        !html.contains("sneaky@example.test"),
        "a member's invitation was stored"
    );
}
