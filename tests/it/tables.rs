//! The tables over HTTP as a browser without JavaScript uses them: the
//! deals table's filters and pages, saved views by form, and the CSV
//! export of what the filters show, streamed, for the signed-in client
//! only.

use redkey_data::{contacts::ContactField, deals::DealField, records};
use redkey_testkit::TestDb;
use redkey_types::{format::urlencode, Contact};
use reqwest::{header, StatusCode};

use crate::helpers::{
    client_from, serve,
    visitor::{deal, location, Visitor},
};

#[tokio::test]
async fn the_deals_table_filters_and_pages_without_javascript() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    let first = deal(&t, alpha, human, "Deal 00", vec![]).await;
    let mut tx = t.tx(alpha, human).await;
    for i in 1..60i64 {
        records::create(
            &mut tx,
            vec![
                DealField::Name(format!("Deal {i:02}")),
                DealField::Pipeline(first.pipeline_id),
                DealField::Stage(first.stage_id),
                DealField::AmountMicros(Some(i * 1_000_000_000)),
            ],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    deal(&t, beta, human, "Beta's hidden deal", vec![]).await;

    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;
    let html = me.text("/deals?sort=amount&q=deal").await;
    // Largest first; 50 to a page, the link to the next keeps the filters.
    let at = |name: &str| html.find(&format!(">{name}<")).unwrap_or(usize::MAX);
    assert!(at("Deal 59") < at("Deal 58"), "amount order");
    assert_eq!(at("Deal 09"), usize::MAX, "the 51st is on the next page");
    assert!(!html.contains("Beta&#x27;s hidden") && !html.contains("Beta's hidden"));
    let next = html
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a next page link")
        .replace("&amp;", "&");
    assert!(
        next.starts_with("/deals?q=deal&sort=amount&after="),
        "{next}"
    );
    let page2 = me.text(&next).await;
    for n in ["Deal 09", "Deal 01", "Deal 00"] {
        assert!(page2.contains(&format!(">{n}<")), "{n} on page two");
    }
    assert!(!page2.contains(">Deal 10<"), "page one's rows not repeated");
    assert!(!page2.contains("rel=\"next\""), "the last page");
}

#[tokio::test]
async fn a_tables_rows_come_once_in_the_page_not_again_in_its_hydration_data() {
    use redkey_data::companies::CompanyField;
    use redkey_types::{Company, EmailAddress};
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let mut tx = t.tx(alpha, human).await;
    let co: Company = records::create(
        &mut tx,
        vec![CompanyField::Name("Quillfeather <Ltd>".into())],
    )
    .await
    .unwrap();
    let _: Contact = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Zebedee".into()),
            ContactField::LastName("Marchbank".into()),
            ContactField::Email(Some(EmailAddress::parse("zeb@quill.test").unwrap())),
            ContactField::Company(Some(co.id)),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    deal(
        &t,
        alpha,
        human,
        "Marchbank renewal",
        vec![DealField::Company(Some(co.id))],
    )
    .await;
    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;

    // Each row's text once: the table's, with no second copy in the page's
    // hydration data; what people typed stays escaped.
    let cases = [
        (
            "/contacts",
            "zeb@quill.test",
            "<td>Quillfeather &lt;Ltd&gt;</td>",
        ),
        (
            "/companies",
            "Quillfeather &lt;Ltd&gt;</a>",
            "<td>Quillfeather &lt;Ltd&gt;</td>",
        ),
        (
            "/deals",
            "Marchbank renewal",
            "<td>Quillfeather &lt;Ltd&gt;</td>",
        ),
    ];
    for (path, once, cell) in cases {
        let html = me.text(path).await.replace("<!>", "");
        assert_eq!(html.matches(once).count(), 1, "{path}: {once}");
        assert!(!html.contains("Quillfeather <Ltd>"), "{path} escapes");
        if path != "/companies" {
            assert!(html.contains(cell), "{path}: the company's cell");
        }
    }
}

#[tokio::test]
async fn a_view_saved_by_form_is_listed_for_its_author_and_shared_ones_for_everyone() {
    let t = TestDb::new().await;
    t.two_clients().await;
    t.user("bob@alpha.test", &["alpha"]).await;
    let addr = serve(&t).await;
    let ann = Visitor::sign_in(addr, "owner@alpha.test").await;
    let bob = Visitor::sign_in(addr, "bob@alpha.test").await;

    // The query is read back through the table's filter: unknown keys and
    // the cursor are dropped.
    let r = ann
        .post_form(
            "save_view",
            "/contacts?priority=high",
            &[
                ("kind", "contacts"),
                ("name", "Hot leads"),
                ("query", "priority=high&after=x&evil=1"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert!(location(&r).ends_with("/contacts?priority=high"));
    ann.post_form(
        "save_view",
        "/contacts",
        &[
            ("kind", "contacts"),
            ("name", "Due"),
            ("query", "due=1"),
            ("shared", "1"),
        ],
    )
    .await;
    let page = ann.text("/contacts").await;
    assert!(
        page.contains("href=\"/contacts?priority=high\">Hot leads"),
        "{page}"
    );
    assert!(page.contains("Due (shared)"));
    let theirs = bob.text("/contacts").await;
    assert!(
        !theirs.contains("Hot leads"),
        "a private view is its author's"
    );
    assert!(theirs.contains("href=\"/contacts?due=1\">Due (shared)"));
    assert!(
        !theirs.contains("Delete view Due"),
        "only the author is offered delete"
    );
}

#[tokio::test]
async fn the_export_streams_the_filtered_table_of_the_signed_in_client() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    let mut tx = t.tx(alpha, human).await;
    // More than one batch, and a cell a spreadsheet would run.
    for i in 0..1203 {
        let last = if i == 7 {
            "=HYPERLINK(\"http://x\")".into()
        } else {
            format!("Person{i:04}")
        };
        records::create::<ContactField>(
            &mut tx,
            vec![
                ContactField::FirstName("Exported".into()),
                ContactField::LastName(last),
                ContactField::Phone(Some("+1 (555) 010-0000".into())),
            ],
        )
        .await
        .unwrap();
    }
    let _: Contact = records::create(&mut tx, vec![ContactField::FirstName("Other".into())])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(beta, human).await;
    let _: Contact = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Exported".into()),
            ContactField::LastName("FromBeta".into()),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let addr = serve(&t).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    let r = me
        .get(&format!("/export/contacts.csv?q={}", urlencode("exported")))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"contacts-"),
        "{disposition}"
    );
    assert!(
        r.headers().get(header::CONTENT_LENGTH).is_none(),
        "streamed"
    );
    let body = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[1], "first_name");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1203, "every match once, across batches");
    assert!(
        rows.iter().all(|r| &r[1] == "Exported"),
        "only the filter's rows"
    );
    assert!(
        rows.iter().all(|r| &r[4] == "+1 (555) 010-0000"),
        "phones keep their +"
    );
    assert!(
        rows.iter().any(|r| &r[2] == "'=HYPERLINK(\"http://x\")"),
        "formula neutralised"
    );
    assert!(
        !body.contains("FromBeta"),
        "another client's contact exported"
    );
    let mut ids: Vec<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1203);

    assert_eq!(
        me.get("/export/people.csv").await.status(),
        StatusCode::NOT_FOUND
    );
    let stranger = client_from("127.0.0.1")
        .get(format!("http://{addr}/export/contacts.csv"))
        .send()
        .await
        .unwrap();
    assert!(stranger.status().is_redirection(), "sign-in first");
    assert!(location(&stranger).starts_with("/sign-in"));
}

#[tokio::test]
async fn the_search_page_finds_across_kinds_without_javascript_in_the_client_only() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    deal(&t, alpha, human, "Zephyr renewal", vec![]).await;
    deal(&t, beta, human, "Zephyr secret", vec![]).await;
    let mut tx = t.tx(alpha, human).await;
    redkey_data::todos::add(
        &mut tx,
        redkey_data::todos::NewTodo {
            title: "Call Zephyr back".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;
    let html = me.text("/search?q=zephir").await;
    assert!(
        html.contains("Zephyr renewal"),
        "a typo still finds the deal"
    );
    assert!(html.contains("Call Zephyr back"), "and the to-do");
    assert!(!html.contains("Zephyr secret"), "another client's deal");
    let long = "x".repeat(201);
    let refused = me.text(&format!("/search?q={long}")).await;
    assert!(refused.contains("at most 200 characters"));
}
