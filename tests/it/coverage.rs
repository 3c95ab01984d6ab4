//! With every Twenty view built, the default configuration retires them
//! all: no page of the cockpit links to Twenty any more.

use redkey::config::Settings;
use redkey_testkit::TestDb;

use crate::helpers::{
    spawn_app,
    visitor::{contact, deal, every_page, Visitor},
};

#[tokio::test]
async fn no_page_links_to_twenty_once_every_view_is_retired() {
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let person = contact(&t, alpha, human, "Ann").await;
    let d = deal(&t, alpha, human, "Big deal", vec![]).await;
    let settings = Settings::from_pairs(&[("TWENTY_URL", "http://twenty.invalid")]).unwrap();
    let addr = spawn_app(&t, &settings).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    let pages = every_page(person.id, d.id);
    for path in &pages {
        let html = me.text(path).await;
        assert!(html.contains("<main"), "{path} rendered");
        let at = html
            .find("href=\"http://twenty.invalid")
            .map(|i| &html[i.saturating_sub(300)..i + 60]);
        assert!(at.is_none(), "{path} links to Twenty: {at:?}");
    }
    let coverage = me.text("/coverage").await;
    assert!(
        !coverage.contains(">Twenty<"),
        "every view is the cockpit's"
    );
    assert_eq!(
        coverage.matches("data-view=").count(),
        redkey_types::TWENTY_VIEWS.len()
    );
}
