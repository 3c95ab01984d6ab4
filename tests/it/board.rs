//! The board over HTTP as a browser without JavaScript sees it: each column
//! its first cards and a "Show more" link that pages by keyset, won and lost
//! columns collapsed to their totals until opened, and no other client's
//! deals whatever the link says; each card moves to any stage from a form
//! of its own, opened by a link.

use redkey::config::Settings;
use redkey_data::{deals::DealField, pipeline, records};
use redkey_testkit::TestDb;
use reqwest::header;

use crate::helpers::{client_from, post_form, spawn_app};
use crate::sign_in::{sign_in, PASSWORD};

/// The href of the link with `class`, as a browser would follow it.
fn link(html: &str, class: &str) -> Option<String> {
    let at = html.find(&format!("\" class=\"{class}\""))?;
    let start = html[..at].rfind("href=\"")? + 6;
    Some(
        html[start..at]
            .replace("&amp;", "&")
            .replace("%2D", "-")
            .replace("%5F", "_"),
    )
}

/// The deal names drawn as cards (not the hydration data).
fn cards(html: &str) -> Vec<String> {
    html.split("class=\"deal-name\"")
        .skip(1)
        .filter_map(|s| {
            let s = &s[s.find('>')? + 1..];
            Some(s[..s.find('<')?].to_string())
        })
        .collect()
}

/// A signed-in visitor of alpha's board: five deals in Lead, three in Won,
/// two cards a column; beta has a pipeline of its own.
struct Fixture {
    alpha: redkey_data::ClientId,
    http: reqwest::Client,
    addr: std::net::SocketAddr,
    cookie: String,
    lead: uuid::Uuid,
    won: uuid::Uuid,
    beta_stage: uuid::Uuid,
    bp: uuid::Uuid,
    beta_deal: uuid::Uuid,
}

impl Fixture {
    async fn new(t: &TestDb) -> Self {
        let (alpha, beta, human) = t.two_clients().await;
        let mut tx = t.tx(alpha, human).await;
        let p = pipeline::create_pipeline(&mut tx, "Sales").await.unwrap();
        let lead = pipeline::create_stage(&mut tx, p, "Lead", 10, false, false)
            .await
            .unwrap();
        let won = pipeline::create_stage(&mut tx, p, "Won", 100, true, false)
            .await
            .unwrap();
        for (stage, name, n) in [(lead, "Lead deal", 5), (won, "Won deal", 3)] {
            for i in 0..n {
                let d = records::create(
                    &mut tx,
                    vec![
                        DealField::Name(format!("{name} {i}")),
                        DealField::Pipeline(p),
                        DealField::Stage(stage),
                    ],
                )
                .await
                .unwrap();
                redkey_data::deals::move_to(&mut tx, d.id, stage, i)
                    .await
                    .unwrap();
            }
        }
        tx.commit().await.unwrap();
        let mut tx = t.tx(beta, human).await;
        let bp = pipeline::create_pipeline(&mut tx, "Beta sales")
            .await
            .unwrap();
        let beta_stage = pipeline::create_stage(&mut tx, bp, "Beta lead", 10, false, false)
            .await
            .unwrap();
        let beta_deal = records::create(
            &mut tx,
            vec![
                DealField::Name("Beta secret".into()),
                DealField::Pipeline(bp),
                DealField::Stage(beta_stage),
            ],
        )
        .await
        .unwrap()
        .id;
        tx.commit().await.unwrap();

        let settings = Settings::from_pairs(&[("REDKEY_BOARD_CARDS", "2")]).unwrap();
        let addr = spawn_app(t, &settings).await;
        let http = client_from("127.0.0.1");
        let (_, cookie, _) = sign_in(&http, addr, "owner@alpha.test", PASSWORD).await;
        Self {
            alpha,
            http,
            addr,
            cookie: cookie.expect("signed in"),
            lead,
            won,
            beta_stage,
            bp,
            beta_deal,
        }
    }

    async fn get(&self, path: String) -> String {
        let r = self
            .http
            .get(format!("http://{}{path}", self.addr))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r.text().await.unwrap()
    }
}

/// The href of the link that opens the move form of the card `name`.
fn move_link(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("aria-label=\"Move {name}…\""))?;
    let start = html[..at].rfind("href=\"")? + 6;
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn columns_page_by_keyset_without_javascript_and_closed_ones_stay_collapsed() {
    let t = TestDb::new().await;
    let f = Fixture::new(&t).await;
    let (lead, bp, beta_stage) = (f.lead, f.bp, f.beta_stage);
    let get = |path: String| f.get(path);

    let first = get("/pipeline".into()).await;
    assert_eq!(cards(&first), ["Lead deal 0", "Lead deal 1"]);
    assert!(
        first.contains("5 deals") && first.contains("3 deals"),
        "totals of every deal"
    );
    assert!(
        first.contains("Show the 3 deals"),
        "the won column is collapsed"
    );
    let more = link(&first, "show-more").expect("a Show more link");
    assert!(
        more.contains(&format!("stage={lead}")) && more.contains("after="),
        "{more}"
    );

    let second = get(more).await;
    assert_eq!(cards(&second), ["Lead deal 2", "Lead deal 3"]);
    assert!(
        link(&second, "first-cards").is_some(),
        "a way back to the top"
    );
    let third = get(link(&second, "show-more").unwrap()).await;
    assert_eq!(cards(&third), ["Lead deal 4"]);
    assert!(link(&third, "show-more").is_none(), "the column has ended");

    let opened = get(link(&first, "open-column").unwrap()).await;
    assert_eq!(
        cards(&opened),
        ["Lead deal 0", "Lead deal 1", "Won deal 0", "Won deal 1"]
    );

    // A mangled cursor starts from the top; another client's stage shows
    // nothing of theirs.
    let junk = get(format!("/pipeline?stage={lead}&after=junk")).await;
    assert_eq!(cards(&junk), ["Lead deal 0", "Lead deal 1"]);
    let foreign = get(format!(
        "/pipeline?pipeline={bp}&open={beta_stage}&stage={beta_stage}&after=0_{beta_stage}"
    ))
    .await;
    assert!(!foreign.contains("Beta secret"));
    assert_eq!(cards(&foreign), ["Lead deal 0", "Lead deal 1"]);
}

/// The keyboard's and a phone's way to move a card, with or without
/// JavaScript: every card links to its own move form, the page carries one
/// stage list (not one per card), and the form moves the deal to any stage.
#[tokio::test]
async fn a_card_opens_its_own_move_form_and_moves_to_any_stage_without_javascript() {
    let t = TestDb::new().await;
    let f = Fixture::new(&t).await;

    let first = f.get("/pipeline".into()).await;
    assert!(
        !first.contains("name=\"stage\""),
        "no card carries a stage list"
    );
    assert!(move_link(&first, "Lead deal 0").is_some());
    let open = move_link(&first, "Lead deal 1").expect("a move link on each card");
    assert!(open.contains("moving="), "{open}");

    let opened = f.get(open.clone()).await;
    assert_eq!(cards(&opened), ["Lead deal 0", "Lead deal 1"]);
    assert_eq!(
        opened.matches("name=\"stage\"").count(),
        1,
        "only the chosen card's form is open"
    );
    assert!(opened.contains(&format!("<option value=\"{}\" selected>", f.lead)));
    assert!(move_link(&opened, "Lead deal 1").is_none());
    assert!(move_link(&opened, "Lead deal 0").is_some());
    let field = "name=\"deal\" value=\"";
    let at = opened.find(field).unwrap() + field.len();
    let deal = &opened[at..at + 36];

    let won = f.won.to_string();
    let r = post_form(
        &f.http,
        f.addr,
        &f.cookie,
        "move_deal",
        &open,
        &[("deal", deal), ("stage", &won), ("position", "1000000")],
    )
    .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let after = f.get("/pipeline".into()).await;
    assert_eq!(cards(&after), ["Lead deal 0", "Lead deal 2"]);
    assert!(after.contains("4 deals") && after.contains("Show the 4 deals"));

    // Another client's deal opens no form and shows nothing of theirs.
    let foreign = f.get(format!("/pipeline?moving={}", f.beta_deal)).await;
    assert!(!foreign.contains("name=\"stage\"") && !foreign.contains("Beta secret"));
}

/// Renames a deal of alpha's straight in the table, as another
/// application would; `stamped: false` leaves the board stamp's trigger out
/// of it, the one way a change can reach the table unstamped.
async fn rename_in_table(
    t: &TestDb,
    client: redkey_data::ClientId,
    from: &str,
    to: &str,
    stamped: bool,
) {
    let mut tx = t.owner_tx(client).await;
    if !stamped {
        sqlx::query("ALTER TABLE opportunities DISABLE TRIGGER board_stamp")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let n = sqlx::query("UPDATE opportunities SET name = $2 WHERE name = $1")
        .bind(from)
        .bind(to)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 1);
    if !stamped {
        sqlx::query("ALTER TABLE opportunities ENABLE TRIGGER board_stamp")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// The plain board is kept between requests and served while the client's
/// board stamp holds: a change that reached the table unstamped is not
/// seen, and the next stamped change, by any writer, brings both. With
/// `REDKEY_BOARD_CACHE=0` every request reads afresh.
#[tokio::test]
async fn a_kept_board_is_served_until_the_clients_stamp_moves() {
    let t = TestDb::new().await;
    let f = Fixture::new(&t).await;
    let alpha = f.alpha;
    assert_eq!(
        cards(&f.get("/pipeline".into()).await),
        ["Lead deal 0", "Lead deal 1"]
    );

    rename_in_table(&t, alpha, "Lead deal 0", "Unstamped", false).await;
    assert_eq!(
        cards(&f.get("/pipeline".into()).await),
        ["Lead deal 0", "Lead deal 1"],
        "served as kept"
    );
    let filtered = f.get("/pipeline?text=Unstamped".into()).await;
    assert_eq!(
        cards(&filtered),
        ["Unstamped"],
        "a filtered board is read afresh"
    );

    let uncached =
        Settings::from_pairs(&[("REDKEY_BOARD_CARDS", "2"), ("REDKEY_BOARD_CACHE", "0")]).unwrap();
    let fresh_addr = spawn_app(&t, &uncached).await;
    let fresh = f
        .http
        .get(format!("http://{fresh_addr}/pipeline"))
        .header(header::COOKIE, &f.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cards(&fresh), ["Unstamped", "Lead deal 1"], "nothing kept");

    rename_in_table(&t, alpha, "Lead deal 1", "Stamped", true).await;
    assert_eq!(
        cards(&f.get("/pipeline".into()).await),
        ["Unstamped", "Stamped"]
    );
}
