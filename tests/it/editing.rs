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

#[tokio::test]
async fn a_company_and_a_deal_are_edited_from_their_forms() {
    use redkey_data::companies::CompanyField;
    use redkey_types::{Company, Deal};
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let mut tx = t.tx(alpha, human).await;
    let acme: Company = records::create(&mut tx, vec![CompanyField::Name("Acme".into())])
        .await
        .unwrap();
    let ann: Contact = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Ann".into()),
            ContactField::Email(Some(
                redkey_types::EmailAddress::parse("ann@acme.test").unwrap(),
            )),
        ],
    )
    .await
    .unwrap();
    let owner = redkey_data::members(&mut tx).await.unwrap()[0].id;
    tx.commit().await.unwrap();
    let deal = crate::helpers::visitor::deal(&t, alpha, human, "Pilot", vec![]).await;
    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;

    let shown = serde_json::to_string(&edits::company_snapshot(&acme)).unwrap();
    let owner_id = owner.to_string();
    let r = me
        .post_form(
            "save_company",
            &format!("/companies/{}", acme.id),
            &[
                ("id", &acme.id.to_string()),
                ("shown", &shown),
                ("name", "Acme Corp"),
                ("domain", "https://Acme.test/"),
                ("priority", "high"),
                ("strategy_note", "Land the pilot first"),
                ("account_owner", &owner_id),
            ],
        )
        .await;
    assert!(!location(&r).contains("__err="), "{}", location(&r));
    let shown = serde_json::to_string(&edits::deal_snapshot(&deal)).unwrap();
    let r = me
        .post_form(
            "save_deal_identity",
            &format!("/deals/{}", deal.id),
            &[
                ("id", &deal.id.to_string()),
                ("shown", &shown),
                ("contact_label", ""),
                ("company_label", ""),
                ("name", "Acme pilot"),
                ("contact", "Ann <ann@acme.test>"),
                ("company", "Acme Corp"),
            ],
        )
        .await;
    assert!(!location(&r).contains("__err="), "{}", location(&r));

    let mut tx = t.tx(alpha, human).await;
    let acme = records::get::<Company>(&mut tx, acme.id).await.unwrap();
    assert_eq!(
        (
            acme.name.as_str(),
            acme.domain.as_deref(),
            acme.account_owner_id
        ),
        ("Acme Corp", Some("acme.test"), Some(owner))
    );
    assert_eq!(acme.priority, Some(redkey_types::Priority::High));
    assert_eq!(acme.strategy_note.as_deref(), Some("Land the pilot first"));
    let deal = records::get::<Deal>(&mut tx, deal.id).await.unwrap();
    assert_eq!(
        (deal.name.as_str(), deal.contact_id, deal.company_id),
        ("Acme pilot", Some(ann.id), Some(acme.id))
    );
    // The strategic change is the signed-in person's, in the audit trail.
    let changes = redkey_data::audit::changes_of(&mut tx, acme.id, 100)
        .await
        .unwrap();
    assert!(changes
        .iter()
        .any(|c| c.column_name == "priority" && c.acting_role == "redkey_human"));
}
