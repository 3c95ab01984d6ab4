//! The board over HTTP as a browser without JavaScript sees it: each column
//! its first cards and a "Show more" link that pages by keyset, won and lost
//! columns collapsed to their totals until opened, and no other client's
//! deals whatever the link says.

use redkey::config::Settings;
use redkey_data::{deals::DealField, pipeline, records};
use redkey_testkit::TestDb;
use reqwest::header;

use crate::helpers::{client_from, spawn_app};
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

#[tokio::test]
async fn columns_page_by_keyset_without_javascript_and_closed_ones_stay_collapsed() {
    let t = TestDb::new().await;
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
    records::create(
        &mut tx,
        vec![
            DealField::Name("Beta secret".into()),
            DealField::Pipeline(bp),
            DealField::Stage(beta_stage),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let settings = Settings::from_pairs(&[("REDKEY_BOARD_CARDS", "2")]).unwrap();
    let addr = spawn_app(&t, &settings).await;
    let http = client_from("127.0.0.1");
    let (_, cookie, _) = sign_in(&http, addr, "owner@alpha.test", PASSWORD).await;
    let cookie = cookie.expect("signed in");
    let get = |path: String| {
        let (http, cookie) = (http.clone(), cookie.clone());
        async move {
            let r = http
                .get(format!("http://{addr}{path}"))
                .header(header::COOKIE, cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.text().await.unwrap()
        }
    };

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
