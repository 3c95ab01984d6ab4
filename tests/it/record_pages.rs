//! A record page is drawn on the server with its panels (notes, to-dos,
//! files), each once, and sends none of its data again for the browser:
//! only islands run there, and a page's data is not theirs.

use redkey_data::{companies::CompanyField, deals::DealField, records};
use redkey_testkit::TestDb;
use redkey_types::Company;

use crate::helpers::{
    serve,
    visitor::{contact, deal, Visitor},
};

#[tokio::test]
async fn a_record_page_draws_its_panels_once_and_sends_no_data_for_hydration() {
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
        let drawn = |marker: &str| html.matches(marker).count();
        assert_eq!(
            (
                drawn(r#"aria-labelledby="files-heading""#),
                drawn(r#"aria-labelledby="todos-heading""#)
            ),
            (1, 1),
            "{page}"
        );
        // The script that would carry a resolved resource to the browser.
        assert_eq!(
            drawn("__RESOLVED_RESOURCES["),
            0,
            "{page}: no data for hydration"
        );
    }
}

/// The `href` of the link marked `rel="…"`, when the page has one.
fn link(html: &str, rel: &str) -> Option<String> {
    let at = html.find(&format!(r#"rel="{rel}""#))?;
    let start = html[..at].rfind("href=\"")? + "href=\"".len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_string())
}

/// The timeline's lines on a page, in order.
fn lines(html: &str) -> Vec<String> {
    html.split("<time>")
        .skip(1)
        .filter_map(|l| l.split("<span>").nth(1)?.split("</span>").next())
        // Without the render's hydration markers.
        .map(|l| l.replace("<!>", ""))
        .collect()
}

#[tokio::test]
async fn a_company_page_shows_what_it_lists_and_pages_its_timeline_by_links() {
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let mut tx = t.tx(alpha, human).await;
    let harbor: Company = records::create(&mut tx, vec![CompanyField::Name("Harbor & Co".into())])
        .await
        .unwrap();
    // 55 people, 3 deals, and 120 activities with long bodies.
    sqlx::query(
        "INSERT INTO crm_contacts (first_name, last_name, company_id) \
         SELECT 'P', 'Person' || lpad(i::text, 3, '0'), $1 FROM generate_series(1, 55) i",
    )
    .bind(harbor.id)
    .execute(tx.conn())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO crm_activities (kind, subject, body, happens_at, company_id) \
         SELECT 'note', 'Note ' || i, 'BODY-' || repeat('x', 500), \
                now() - i * interval '1 hour', $1 FROM generate_series(1, 120) i",
    )
    .bind(harbor.id)
    .execute(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for n in 1..=3 {
        let name = format!("Harbor deal {n}");
        deal(
            &t,
            alpha,
            human,
            &name,
            vec![DealField::Company(Some(harbor.id))],
        )
        .await;
    }
    let me = Visitor::sign_in(serve(&t).await, "owner@alpha.test").await;
    let page = format!("/companies/{}", harbor.id);

    let html = me.text(&page).await;
    assert_eq!(html.matches(r#"<li><a href="/contacts/"#).count(), 50);
    assert!(html.contains("Person001") && !html.contains("Person051"));
    assert_eq!(link(&html, "first"), None);
    assert!(
        html.contains(r#"href="/contacts?q=Harbor%20%26%20Co""#),
        "the rest of the people"
    );
    assert_eq!(html.matches(r#"<li><a href="/deals/"#).count(), 3);
    assert!(!html.contains("More deals"));
    // What the timeline shows is sent, not each activity's body.
    assert!(!html.contains("BODY-"));

    // Older pages by plain links, as a browser without JavaScript follows
    // them; every note once, newest first.
    let mut seen = lines(&html);
    assert_eq!(seen.len(), 50);
    let mut next = link(&html, "next");
    let mut pages = 1;
    while let Some(older) = next {
        let html = me.text(&format!("{page}{older}")).await;
        assert_eq!(link(&html, "first").as_deref(), Some("?"));
        seen.extend(lines(&html));
        next = link(&html, "next");
        pages += 1;
    }
    assert_eq!(pages, 3);
    // (Creating the company may have audited a field of it, too.)
    seen.retain(|l| l.starts_with("note: "));
    let expected: Vec<String> = (1..=120).map(|i| format!("note: Note {i}")).collect();
    assert_eq!(seen, expected);

    // A cursor that is not one is refused, with nothing shown.
    let html = me.text(&format!("{page}?before=a12.nope")).await;
    assert!(html.contains("not a place in a timeline"), "{html}");
    assert!(lines(&html).is_empty());
}
