//! To-dos over HTTP as a browser without JavaScript uses them: a form adds
//! one on a contact and the page answers with a redirect back; completing
//! is another form; another client's to-do cannot be completed whatever
//! the form says.

use chrono::{Duration, Utc};
use redkey_data::{
    notes::Target,
    todos::{self, Filter, NewTodo},
};
use redkey_testkit::TestDb;
use redkey_types::TodoStatus;
use reqwest::{header, StatusCode};

use crate::helpers::{
    serve,
    visitor::{contact, location, Visitor},
};

#[tokio::test]
async fn a_todo_is_added_on_a_contact_and_completed_without_javascript() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    let ann = contact(&t, alpha, human, "Ann").await;
    let mut tx = t.tx(beta, human).await;
    let theirs = todos::add(
        &mut tx,
        NewTodo {
            title: "Beta's secret to-do".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;
    let page = format!("/contacts/{}", ann.id);
    let yesterday = (Utc::now() - Duration::days(2)).date_naive().to_string();
    let id = ann.id.to_string();
    let r = me
        .post_form(
            "add_todo",
            &page,
            &[
                ("title", "Send Ann the proposal"),
                ("body", "Use the **new** prices <script>alert(1)</script>"),
                ("due", &yesterday),
                ("assignee", ""),
                ("kind", "contact"),
                ("id", &id),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let back = location(&r);
    assert!(back.trim_end_matches('?').ends_with(&page), "{back}");

    let html = me.text(&page).await;
    assert!(
        html.contains("Send Ann the proposal"),
        "on the contact page"
    );
    assert!(html.contains("Overdue"), "due two days ago");
    assert!(
        html.contains("<strong>new</strong>"),
        "the body's markdown rendered"
    );
    assert!(
        !html.contains("<script>alert(1)"),
        "markup in the body shown as text"
    );
    let all = me.text("/todos?scope=all").await;
    assert!(all.contains("Send Ann the proposal"));
    assert!(
        !all.contains("Beta's secret"),
        "another client's to-do shown"
    );

    let mut tx = t.tx(alpha, human).await;
    let added = todos::list(&mut tx, Filter::On(Target::Contact(ann.id)), false, 10)
        .await
        .unwrap();
    drop(tx);
    let todo = added[0].todo.id.to_string();
    let r = me
        .post_form(
            "set_todo_status",
            "/todos",
            &[("id", &todo), ("status", "DONE")],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let mut tx = t.tx(alpha, human).await;
    let done = todos::list(&mut tx, Filter::All, true, 10).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].todo.status, TodoStatus::Done);
    drop(tx);

    // Another client's to-do, by its id: refused, and still open there.
    let foreign = theirs.id.to_string();
    let path = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .find(|p| p.contains("set_todo_status"))
        .unwrap();
    let r = me
        .http
        .post(format!("http://{}{path}", me.addr))
        .header("origin", format!("http://{}", me.addr))
        .header(header::COOKIE, &me.cookie)
        .form(&[("id", foreign.as_str()), ("status", "DONE")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let mut tx = t.tx(beta, human).await;
    let open = todos::list(&mut tx, Filter::All, false, 10).await.unwrap();
    assert_eq!(open[0].todo.id, theirs.id);
    assert_eq!(open[0].todo.status, TodoStatus::Todo);
}
