//! Archiving and restoring over HTTP as forms without JavaScript post them:
//! an archived contact lands in the trash and comes back; another client's
//! record cannot be archived or restored by its id.

use redkey_data::{contacts::ContactField, records, trash};
use redkey_testkit::TestDb;
use redkey_types::Contact;
use reqwest::header;

use crate::helpers::{client_from, post_form, serve};
use crate::sign_in::{sign_in, PASSWORD};

#[tokio::test]
async fn a_contact_is_archived_to_the_trash_and_restored_without_javascript() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    let mut tx = t.tx(alpha, human).await;
    let ann: Contact = records::create(&mut tx, vec![ContactField::FirstName("Ann".into())])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(beta, human).await;
    let ben: Contact = records::create(&mut tx, vec![ContactField::FirstName("Ben".into())])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let addr = serve(&t).await;
    let http = client_from("127.0.0.1");
    let (_, cookie, _) = sign_in(&http, addr, "owner@alpha.test", PASSWORD).await;
    let cookie = cookie.expect("signed in");
    let ann_id = ann.id.to_string();
    let page = format!("/contacts/{ann_id}");
    let r = post_form(
        &http,
        addr,
        &cookie,
        "archive_record",
        &page,
        &[("kind", "contact"), ("id", &ann_id)],
    )
    .await;
    let location = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert!(location.ends_with("/trash"), "{location}");
    let get = |path: &str| {
        let (http, cookie, url) = (http.clone(), cookie.clone(), format!("http://{addr}{path}"));
        async move {
            let r = http
                .get(url)
                .header(header::COOKIE, cookie)
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (_, html) = get("/trash").await;
    assert!(html.contains("trash-label\">Ann<"), "Ann in the trash");
    assert_eq!(get(&page).await.0, 404, "an archived contact's page");

    let r = post_form(
        &http,
        addr,
        &cookie,
        "restore_record",
        "/trash",
        &[("kind", "contact"), ("id", &ann_id)],
    )
    .await;
    assert!(r.status().is_redirection());
    assert_eq!(get(&page).await.0, 200, "restored");
    let (_, html) = get("/trash").await;
    assert!(html.contains("The trash is empty."));

    // Another client's contact, by id: refused, still theirs and untouched.
    let ben_id = ben.id.to_string();
    for function in ["archive_record", "restore_record"] {
        let r = post_form(
            &http,
            addr,
            &cookie,
            function,
            "/trash",
            &[("kind", "contact"), ("id", &ben_id)],
        )
        .await;
        let location = r.headers()[header::LOCATION].to_str().unwrap().to_string();
        assert!(location.contains("__err="), "{function}: {location}");
    }
    let mut tx = t.tx(beta, human).await;
    assert!(records::get::<Contact>(&mut tx, ben.id).await.is_ok());
    assert!(trash::list(&mut tx, 10).await.unwrap().is_empty());
}
