//! Settings over HTTP without JavaScript: an admin manages pipelines,
//! stages and members; a member is refused (403, nothing changes); a
//! removed member's session ends at once.

use redkey_data::{pipeline, settings};
use redkey_testkit::TestDb;
use reqwest::StatusCode;

use crate::helpers::{
    serve,
    visitor::{cookie, cookies_set, deal, location, session_cookie, Visitor},
};

#[tokio::test]
async fn an_admin_manages_stages_and_a_stage_with_deals_is_not_archived() {
    let t = TestDb::new().await;
    let (alpha, _, admin) = t.two_clients().await;
    let d = deal(&t, alpha, admin, "Held deal", vec![]).await;
    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;
    let page = "/settings/pipelines";
    let pipeline_id = d.pipeline_id.to_string();
    let stage_id = d.stage_id.to_string();

    for (function, form) in [
        (
            "add_stage",
            vec![
                ("pipeline", pipeline_id.as_str()),
                ("name", "Proposal"),
                ("probability", "40"),
                ("outcome", "open"),
            ],
        ),
        (
            "add_stage",
            vec![
                ("pipeline", pipeline_id.as_str()),
                ("name", "Signed"),
                ("probability", "100"),
                ("outcome", "won"),
            ],
        ),
        (
            "save_stage",
            vec![
                ("id", stage_id.as_str()),
                ("name", "Qualified lead"),
                ("probability", "15"),
                ("outcome", "open"),
                ("stale_days", "9"),
            ],
        ),
        (
            "move_stage",
            vec![("id", stage_id.as_str()), ("position", "1")],
        ),
        (
            "rename_pipeline",
            vec![("id", pipeline_id.as_str()), ("name", "New business")],
        ),
    ] {
        let r = me.post_form(function, page, &form).await;
        assert!(r.status().is_redirection(), "{function}: {}", r.status());
        let back = location(&r);
        assert!(
            back.trim_end_matches('?').ends_with(page),
            "{function}: {back}"
        );
    }
    let mut tx = t.tx(alpha, admin).await;
    let stages = pipeline::stages(&mut tx).await.unwrap();
    let order: Vec<(&str, i32, bool)> = stages
        .iter()
        .map(|s| (s.stage_name.as_str(), s.probability, s.is_won))
        .collect();
    assert_eq!(
        order,
        [
            ("Proposal", 40, false),
            ("Qualified lead", 15, false),
            ("Signed", 100, true)
        ]
    );
    assert_eq!(stages[1].stale_after_days, 9);
    assert!(stages.iter().all(|s| s.pipeline_name == "New business"));
    tx.rollback().await.unwrap();

    // The stage holding the deal stays, with the reason on the page.
    me.post_form("archive_stage", page, &[("id", &stage_id)])
        .await;
    let mut tx = t.tx(alpha, admin).await;
    assert_eq!(pipeline::stages(&mut tx).await.unwrap().len(), 3);
    tx.rollback().await.unwrap();
    let html = me.text(page).await;
    assert!(html.contains("Qualified lead") && html.contains("1 deal<"));
    // A probability out of range is refused and nothing changes.
    me.post_form(
        "save_stage",
        page,
        &[
            ("id", &stage_id),
            ("name", "X"),
            ("probability", "140"),
            ("outcome", "open"),
            ("stale_days", "9"),
        ],
    )
    .await;
    let mut tx = t.tx(alpha, admin).await;
    assert!(pipeline::stages(&mut tx)
        .await
        .unwrap()
        .iter()
        .any(|s| s.stage_name == "Qualified lead"));
}

#[tokio::test]
async fn a_member_is_refused_settings_and_a_removed_member_is_signed_out_at_once() {
    let t = TestDb::new().await;
    let (alpha, _, admin) = t.two_clients().await;
    t.member("mia@alpha.test", &["alpha"]).await;
    let d = deal(&t, alpha, admin, "A deal", vec![]).await;
    let addr = serve(&t).await;
    let mia = Visitor::sign_in(addr, "mia@alpha.test").await;
    for page in ["/settings/pipelines", "/settings/members"] {
        let r = mia.get(page).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{page}");
        assert!(r.text().await.unwrap().contains("only an admin"));
    }
    let stage = d.stage_id.to_string();
    mia.post_form(
        "move_stage",
        "/settings/pipelines",
        &[("id", &stage), ("position", "3")],
    )
    .await;
    mia.post_form(
        "create_pipeline",
        "/settings/pipelines",
        &[("name", "Mia's")],
    )
    .await;
    let mut tx = t.tx(alpha, admin).await;
    assert_eq!(
        settings::pipelines(&mut tx).await.unwrap().len(),
        1,
        "nothing created"
    );
    let members = settings::members(&mut tx).await.unwrap();
    tx.rollback().await.unwrap();
    let mia_id = members
        .iter()
        .find(|m| m.email == "mia@alpha.test")
        .unwrap()
        .id
        .to_string();

    let owner = Visitor::sign_in(addr, "owner@alpha.test").await;
    let html = owner.text("/settings/members").await;
    assert!(html.contains("mia@alpha.test") && html.contains("(you)"));
    assert_eq!(mia.get("/contacts").await.status(), StatusCode::OK);
    let r = owner
        .post_form("remove_member", "/settings/members", &[("id", &mia_id)])
        .await;
    assert!(r.status().is_redirection());
    let after = mia.get("/contacts").await;
    assert!(after.status().is_redirection(), "{}", after.status());
    assert!(location(&after).starts_with("/sign-in"));
    assert!(!owner
        .text("/settings/members")
        .await
        .contains("mia@alpha.test"));
}

#[tokio::test]
async fn a_password_change_checks_the_current_one_and_ends_the_other_sessions() {
    let t = TestDb::new().await;
    let (alpha, beta, admin) = t.two_clients().await;
    let addr = serve(&t).await;
    let here = Visitor::sign_in(addr, "owner@alpha.test").await;
    let elsewhere = Visitor::sign_in(addr, "owner@alpha.test").await;
    let page = "/settings/profile";

    let wrong = here
        .post_form(
            "change_password",
            page,
            &[
                ("current", "not it at all"),
                ("new_password", "a brand new password"),
                ("repeat", "a brand new password"),
            ],
        )
        .await;
    assert!(wrong.status().is_redirection());
    assert_eq!(
        elsewhere.get("/contacts").await.status(),
        StatusCode::OK,
        "nothing changed"
    );
    let short = here
        .post_form(
            "change_password",
            page,
            &[
                ("current", crate::sign_in::PASSWORD),
                ("new_password", "short"),
                ("repeat", "short"),
            ],
        )
        .await;
    assert!(short.status().is_redirection());
    assert_eq!(
        elsewhere.get("/contacts").await.status(),
        StatusCode::OK,
        "too short: refused"
    );

    let changed = here
        .post_form(
            "change_password",
            page,
            &[
                ("current", crate::sign_in::PASSWORD),
                ("new_password", "a brand new password"),
                ("repeat", "a brand new password"),
            ],
        )
        .await;
    // This session carries on under a new id; the other one is over.
    let renewed = session_cookie(&changed).expect("the session renewed");
    let still = Visitor {
        cookie: renewed,
        ..here.clone()
    };
    assert_eq!(still.get("/contacts").await.status(), StatusCode::OK);
    // The page the post returns to says so, and its answer clears the
    // cookie that carried it once, though each of its forms reads it.
    let carried = Visitor {
        cookie: format!(
            "{}; {}",
            still.cookie,
            cookie(&changed, "redkey_done").expect("the answer carried")
        ),
        ..still.clone()
    };
    let shown = carried.get(page).await;
    let clearing: Vec<_> = cookies_set(&shown)
        .filter(|c| c.starts_with("redkey_done=;") && c.contains("Max-Age=0"))
        .collect();
    assert_eq!(clearing.len(), 1, "{clearing:?}");
    assert!(shown.text().await.unwrap().contains("Password changed"));
    // Any page the cookie reaches clears it, whether or not it has forms.
    let other_page = carried.get("/contacts").await;
    assert_eq!(
        cookies_set(&other_page)
            .filter(|c| c.starts_with("redkey_done=;"))
            .count(),
        1
    );
    // Once cleared it is not sent, and nothing is shown again.
    assert!(!still.text(page).await.contains("Password changed"));
    let after = elsewhere.get("/contacts").await;
    assert!(after.status().is_redirection(), "{}", after.status());

    // The name changes on every client the person belongs to.
    let renamed = Visitor::sign_in_with(addr, "owner@alpha.test", "a brand new password").await;
    renamed
        .post_form("save_my_name", page, &[("name", "Ann Other")])
        .await;
    for client in [alpha, beta] {
        let mut tx = t.tx(client, admin).await;
        let names: Vec<String> = settings::members(&mut tx)
            .await
            .unwrap()
            .into_iter()
            .map(|m| format!("{} {}", m.first_name, m.last_name))
            .collect();
        assert_eq!(names, ["Ann Other"]);
    }
}
