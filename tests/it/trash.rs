//! Archiving and restoring over HTTP as forms without JavaScript post them:
//! an archived contact lands in the trash and comes back; another client's
//! record cannot be archived or restored by its id.

use redkey_data::{records, trash};
use redkey_testkit::TestDb;
use redkey_types::Contact;

use crate::helpers::{
    serve,
    visitor::{contact, location, Visitor},
};

#[tokio::test]
async fn a_contact_is_archived_to_the_trash_and_restored_without_javascript() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    let ann = contact(&t, alpha, human, "Ann").await;
    let ben = contact(&t, beta, human, "Ben").await;
    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;
    let ann_id = ann.id.to_string();
    let page = format!("/contacts/{ann_id}");
    let contact_form = [("kind", "contact"), ("id", ann_id.as_str())];

    let r = me.post_form("archive_record", &page, &contact_form).await;
    assert!(location(&r).ends_with("/trash"), "{}", location(&r));
    assert!(
        me.text("/trash").await.contains("trash-label\">Ann<"),
        "Ann in the trash"
    );
    assert_eq!(
        me.get(&page).await.status(),
        404,
        "an archived contact's page"
    );

    let r = me
        .post_form("restore_record", "/trash", &contact_form)
        .await;
    assert!(r.status().is_redirection());
    assert_eq!(me.get(&page).await.status(), 200, "restored");
    let html = me.text("/trash").await;
    assert!(html.contains("The trash is empty."));
    assert!(
        html.contains("stay here 30 days"),
        "the default retention shown"
    );

    // Another client's contact, by id: refused, still theirs and untouched.
    let ben_id = ben.id.to_string();
    for function in ["archive_record", "restore_record"] {
        let r = me
            .post_form(function, "/trash", &[("kind", "contact"), ("id", &ben_id)])
            .await;
        assert!(
            location(&r).contains("__err="),
            "{function}: {}",
            location(&r)
        );
    }
    let mut tx = t.tx(beta, human).await;
    assert!(records::get::<Contact>(&mut tx, ben.id).await.is_ok());
    assert!(trash::list(&mut tx, 10).await.unwrap().is_empty());
}
