//! A record page's panels (notes, to-dos, files) load once per render and
//! send their rows for hydration once. Made inside the page's suspense,
//! they were made again each time the server render walked it: every
//! panel's rows were read and sent twice.

use redkey_data::{companies::CompanyField, records};
use redkey_testkit::TestDb;
use redkey_types::Company;

use crate::helpers::{
    serve,
    visitor::{contact, deal, Visitor},
};

#[tokio::test]
async fn a_record_pages_panels_are_loaded_and_sent_once() {
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let ann = contact(&t, alpha, human, "Ann").await;
    let d = deal(&t, alpha, human, "Harbor renewal", vec![]).await;
    let mut tx = t.tx(alpha, human).await;
    let harbor: Company = records::create(&mut tx, vec![CompanyField::Name("Harbor".into())])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let addr = serve(&t).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    for page in [
        format!("/contacts/{}", ann.id),
        format!("/companies/{}", harbor.id),
        format!("/deals/{}", d.id),
    ] {
        let html = me.text(&page).await;
        // Each resolved resource's value, as the page sends it.
        let sent = |marker: &str| {
            html.split("__RESOLVED_RESOURCES[")
                .skip(1)
                .filter(|value| value.contains(marker))
                .count()
        };
        // The files panel's list, and the to-dos panel's.
        assert_eq!((sent("max_bytes"), sent(r#"\"done\":["#)), (1, 1), "{page}");
    }
}
