//! Activities logged by hand over HTTP, as a form without JavaScript posts
//! them: the time read in the client's zone, the deal's contact and company
//! filled in, attendees kept, last activity following; a time to come and
//! another client's deal refused, with nothing logged.

use redkey_data::{activities, deals::DealField, records, Actor};
use redkey_testkit::TestDb;
use redkey_types::{Contact, RecordKind};

use crate::helpers::{
    serve,
    visitor::{contact, deal, location, Visitor},
};

#[tokio::test]
async fn a_call_is_logged_by_hand_on_a_deal_and_bad_ones_change_nothing() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    sqlx::query(
        "INSERT INTO client_schedules (workspace_id, time_zone) VALUES ($1, 'America/New_York')",
    )
    .bind(alpha.0)
    .execute(&t.owner)
    .await
    .unwrap();
    let ann = contact(&t, alpha, human, "Ann").await;
    let theirs = deal(&t, beta, human, "Beta deal", vec![]).await;
    let deal = deal(
        &t,
        alpha,
        human,
        "Ann's pilot",
        vec![DealField::Contact(Some(ann.id))],
    )
    .await;

    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;
    let page = format!("/deals/{}", deal.id);
    let deal_id = deal.id.to_string();
    let log = |when: &'static str, on: String| {
        let (me, page) = (me.clone(), page.clone());
        async move {
            me.post_form(
                "log_activity",
                &page,
                &[
                    ("on_kind", "deal"),
                    ("on_id", on.as_str()),
                    ("kind", "call"),
                    ("when", when),
                    ("subject", "Pricing call"),
                    ("summary", "They want a **pilot** first."),
                    ("contact", ""),
                    ("deal", ""),
                    ("attendees", "Ann, Bob from finance"),
                ],
            )
            .await
        }
    };
    let r = log("2026-03-02T09:30", deal_id.clone()).await;
    assert!(r.status().is_redirection(), "{}", r.status());

    let mut tx = t.tx(alpha, Actor::Agent).await;
    let logged = activities::latest_of(&mut tx, RecordKind::Deal, deal.id, None, 10)
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    let a = &logged[0];
    assert_eq!(a.kind, "call");
    assert_eq!(a.contact_id, Some(ann.id), "the deal's contact");
    assert_eq!(a.attendees, ["Ann", "Bob from finance"]);
    // 09:30 in New York on 2 March 2026 (EST, UTC-5).
    assert_eq!(a.happens_at.to_rfc3339(), "2026-03-02T14:30:00+00:00");
    let ann_now = records::get::<Contact>(&mut tx, ann.id).await.unwrap();
    assert_eq!(ann_now.last_activity_at, Some(a.happens_at));
    drop(tx);

    // The timeline on the deal page shows it with its attendees.
    let html = me.text(&page).await;
    assert!(html.contains("call: Pricing call (with Ann, Bob from finance)"));

    // A time to come, and another client's deal: refused, nothing logged.
    // Without JavaScript the refusal comes back in the redirect, and the
    // page shows it next to the field.
    let refused = |r: reqwest::Response| {
        let back = location(&r);
        assert!(back.contains("__err="), "{back}");
        back
    };
    let back = refused(log("2099-01-01T10:00", deal_id.clone()).await);
    let html = me.text(&back).await;
    assert!(html.contains("an activity logged by hand has already happened"));
    refused(log("", theirs.id.to_string()).await);
    let mut tx = t.tx(alpha, Actor::Agent).await;
    assert_eq!(
        activities::latest_of(&mut tx, RecordKind::Deal, deal.id, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    drop(tx);
    let mut tx = t.tx(beta, Actor::Agent).await;
    assert!(
        activities::latest_of(&mut tx, RecordKind::Deal, theirs.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
