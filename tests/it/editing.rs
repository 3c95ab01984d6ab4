//! Editing a record's identity over HTTP as its form posts it: what was
//! changed is written, what was left alone keeps a newer value, a change
//! over someone else's newer one is refused at its field, and a duplicate
//! address is refused next to the email field.

use redkey_data::{contacts::ContactField, records};
use redkey_testkit::TestDb;
use redkey_types::{edits, Contact};

use crate::helpers::{
    serve,
    visitor::{location, Visitor},
};

#[tokio::test]
async fn a_stale_form_changes_only_what_nobody_else_changed() {
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let mut tx = t.tx(alpha, human).await;
    let mut made = vec![];
    for (first, email) in [("Ann", "ann@x.test"), ("Ben", "ben@x.test")] {
        let c: Contact = records::create(
            &mut tx,
            vec![
                ContactField::FirstName(first.into()),
                ContactField::Email(Some(redkey_types::EmailAddress::parse(email).unwrap())),
                ContactField::City(Some("Leeds".into())),
            ],
        )
        .await
        .unwrap();
        made.push(c);
    }
    tx.commit().await.unwrap();
    let ann = made.remove(0);
    // The form as the page drew it, before anyone else's change.
    let shown = serde_json::to_string(&edits::contact_snapshot(&ann)).unwrap();
    let mut tx = t.tx(alpha, human).await;
    records::update(
        &mut tx,
        ann.id,
        vec![ContactField::City(Some("York".into()))],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;
    let id = ann.id.to_string();
    let page = format!("/contacts/{id}");
    let save = |first: &'static str, email: &'static str, city: &'static str| {
        let (me, page, id, shown) = (me.clone(), page.clone(), id.clone(), shown.clone());
        async move {
            let r = me
                .post_form(
                    "save_contact_identity",
                    &page,
                    &[
                        ("id", id.as_str()),
                        ("shown", shown.as_str()),
                        ("company_label", ""),
                        ("first_name", first),
                        ("last_name", ""),
                        ("email", email),
                        ("phone", ""),
                        ("job_title", ""),
                        ("city", city),
                        ("company", ""),
                    ],
                )
                .await;
            location(&r)
        }
    };
    let current = |t: &TestDb| {
        let t = t.db.clone();
        async move {
            let mut tx = t.begin(alpha, human).await.unwrap();
            records::get::<Contact>(&mut tx, ann.id).await.unwrap()
        }
    };
    // Changing the city over York: refused, nothing written.
    let back = save("Anne", "ann@x.test", "Hull").await;
    assert!(back.contains("__err="), "{back}");
    assert_eq!(current(&t).await.first_name, "Ann");
    // Renaming only (the city as the form showed it): written, York kept.
    let back = save("Anne", "ann@x.test", "Leeds").await;
    assert!(!back.contains("__err="), "{back}");
    let now = current(&t).await;
    assert_eq!(
        (now.first_name.as_str(), now.city.as_deref()),
        ("Anne", Some("York"))
    );
    // Ben's address: refused next to the email field, shown on the page.
    let back = save("Anne", "ben@x.test", "Leeds").await;
    let html = me.text(&back).await;
    assert!(html.contains("a contact with this email already exists"));
    assert_eq!(current(&t).await.email.as_deref(), Some("ann@x.test"));
}
