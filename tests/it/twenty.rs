//! The cockpit over a live Twenty workspace: what Twenty's own app writes
//! is on the board, in the lists, search and record pages; every page
//! opens; a strategic edit from a record page leaves Twenty's row as it was;
//! a file uploaded on a record page is a Twenty attachment on that record,
//! and a change made in Twenty's app is on the record's timeline.

use redkey::config::Settings;
use redkey_data::twenty;
use redkey_testkit::TestDb;
use sqlx::Row;
use uuid::Uuid;

use crate::helpers::{
    as_twenty, spawn_app,
    visitor::{every_page, location, Visitor},
};

#[tokio::test]
async fn the_cockpit_shows_and_edits_what_twenty_stores() {
    let t = TestDb::new().await;
    t.two_clients().await;
    t.twenty_workspace("workspace_http").await;
    twenty::attach(&t.owner, "workspace_http", "alpha")
        .await
        .unwrap();
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_http.company (name) VALUES ('Globex') RETURNING id;
         INSERT INTO workspace_http.person (\"nameFirstName\", \"nameLastName\", \"emailsPrimaryEmail\", \"companyId\")
           SELECT 'Hank', 'Scorpio', 'hank@globex.test', id FROM workspace_http.company RETURNING id;
         INSERT INTO workspace_http.opportunity (name, \"amountAmountMicros\", \"amountCurrencyCode\", stage, \"pointOfContactId\", \"companyId\")
           SELECT 'Doomsday device', 5000000000, 'USD', 'SCREENING', p.id, p.\"companyId\"
           FROM workspace_http.person p RETURNING id;",
    )
    .await;
    let (company, person, deal): (Uuid, Uuid, Uuid) =
        (rows[0].get(0), rows[1].get(0), rows[2].get(0));

    let files = std::env::temp_dir().join(format!("redkey-twenty-it-{}", Uuid::new_v4()));
    let settings = Settings::from_pairs(&[("REDKEY_FILES_DIR", files.to_str().unwrap())]).unwrap();
    let addr = spawn_app(&t, &settings).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    let board = me.text("/pipeline").await;
    assert!(board.contains("Doomsday device"), "{board}");
    assert!(board.contains("Screening") && board.contains("Customer"));
    assert!(me.text("/contacts").await.contains("Scorpio"));
    assert!(
        me.text("/contacts?q=globex").await.contains("Scorpio"),
        "found by its company's name"
    );
    assert!(!me.text("/contacts?q=nobody").await.contains("Scorpio"));
    assert!(me
        .text(&format!("/companies/{company}"))
        .await
        .contains("Globex"));
    assert!(me
        .text(&format!("/deals/{deal}"))
        .await
        .contains("Doomsday device"));
    for page in every_page(person, deal) {
        assert_eq!(me.get(&page).await.status(), 200, "{page}");
    }

    let stamped = as_twenty(
        &t,
        "SELECT \"updatedAt\"::text, \"nameLastName\" FROM workspace_http.person",
    )
    .await;
    let page = format!("/contacts/{person}");
    let r = me
        .post_form(
            "save_contact_strategy",
            &page,
            &[
                ("id", person.to_string().as_str()),
                ("priority", "high"),
                ("relationship_note", ""),
                ("strategy_note", "Ask about the dome"),
                ("recontact_on", ""),
            ],
        )
        .await;
    assert!(location(&r).contains(&page), "{}", location(&r));
    assert!(me.text(&page).await.contains("Ask about the dome"));
    let after = as_twenty(
        &t,
        "SELECT \"updatedAt\"::text, \"nameLastName\" FROM workspace_http.person",
    )
    .await;
    assert_eq!(
        (after[0].get::<String, _>(0), after[0].get::<String, _>(1)),
        (
            stamped[0].get::<String, _>(0),
            stamped[0].get::<String, _>(1)
        ),
        "Twenty's row reads as it did"
    );

    // An upload from the contact's page: Twenty's attachment on the person,
    // listed on the page and served back.
    let form = reqwest::multipart::Form::new()
        .text("kind", "contact")
        .text("id", person.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"dome blueprints".to_vec()).file_name("dome.txt"),
        );
    let r = me
        .http
        .post(format!("http://{addr}/files/upload"))
        .header("origin", format!("http://{addr}"))
        .header(reqwest::header::REFERER, format!("http://{addr}{page}"))
        .header(reqwest::header::COOKIE, me.cookie.clone())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), page);
    let attached = as_twenty(
        &t,
        "SELECT id, name, \"personId\" FROM workspace_http.attachment",
    )
    .await;
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0].get::<String, _>(1), "dome.txt");
    assert_eq!(attached[0].get::<Option<Uuid>, _>(2), Some(person));
    assert!(me.text(&page).await.contains("dome.txt"));
    let file: Uuid = attached[0].get(0);
    let served = me.get(&format!("/files/{file}")).await;
    assert_eq!(served.bytes().await.unwrap().as_ref(), b"dome blueprints");
    std::fs::remove_dir_all(&files).ok();

    // A change Twenty's own app makes is on the contact's timeline, as Twenty's.
    as_twenty(
        &t,
        "UPDATE workspace_http.person SET \"linkedinLinkPrimaryLinkUrl\" = 'https://linkedin.test/hank'",
    )
    .await;
    let timeline = me.text(&page).await;
    assert!(
        timeline.contains("linkedin url changed from — to https://linkedin.test/hank by Twenty"),
        "{timeline}"
    );
}
