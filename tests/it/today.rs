//! Today over HTTP, for a known data set: the charts' bars and labels are
//! the aggregates of this client's deals, stage moves and activities (and
//! nothing of another client's); the replies are those since the visit
//! before.

use chrono::{Datelike, Duration, Utc};
use redkey::config::Settings;
use redkey_data::{
    activities::{self, NewActivity},
    deals::{self, DealField},
    pipeline, records, today, Actor,
};
use redkey_testkit::TestDb;
use redkey_types::Deal;

use crate::helpers::{spawn_app, visitor::Visitor};

/// The part of the page inside `<figure id="{id}"`.
fn figure<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<figure id=\"{id}\""))
        .unwrap_or_else(|| {
            let at = html.find(id).unwrap_or(0);
            panic!(
                "no figure {id} in {}",
                &html[at.saturating_sub(300)..(at + 300).min(html.len())]
            )
        });
    let end = html[start..].find("</figure>").unwrap() + start;
    &html[start..end]
}

#[tokio::test]
async fn todays_charts_draw_this_clients_numbers_and_replies_since_the_last_visit() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    let now = Utc::now();
    let today = now.date_naive();
    let next_month = (today.with_day(1).unwrap() + Duration::days(40))
        .with_day(1)
        .unwrap();
    let mut tx = t.tx(alpha, human).await;
    let p = pipeline::create_pipeline(&mut tx, "Sales").await.unwrap();
    let lead = pipeline::create_stage(&mut tx, p, "Lead", 10, false, false)
        .await
        .unwrap();
    let proposal = pipeline::create_stage(&mut tx, p, "Proposal", 50, false, false)
        .await
        .unwrap();
    let won = pipeline::create_stage(&mut tx, p, "Won", 100, true, false)
        .await
        .unwrap();
    let lost = pipeline::create_stage(&mut tx, p, "Lost", 0, false, true)
        .await
        .unwrap();
    let a: Deal = records::create(
        &mut tx,
        vec![
            DealField::Name("Acme pilot".into()),
            DealField::Pipeline(p),
            DealField::Stage(lead),
            DealField::AmountMicros(Some(1_000_000_000)),
            DealField::CloseDate(Some(today)),
        ],
    )
    .await
    .unwrap();
    let _b: Deal = records::create(
        &mut tx,
        vec![
            DealField::Name("Bolt rollout".into()),
            DealField::Pipeline(p),
            DealField::Stage(proposal),
            DealField::AmountMicros(Some(4_000_000_000)),
            DealField::CloseDate(Some(next_month)),
        ],
    )
    .await
    .unwrap();
    for (name, units, to) in [("Cobalt", 2_000, won), ("Delta", 500, lost)] {
        let d: Deal = records::create(
            &mut tx,
            vec![
                DealField::Name(name.into()),
                DealField::Pipeline(p),
                DealField::Stage(lead),
                DealField::AmountMicros(Some(units * 1_000_000)),
            ],
        )
        .await
        .unwrap();
        deals::move_to(&mut tx, d.id, to, 0).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = t.tx(alpha, Actor::Agent).await;
    for (kind, body) in [
        ("email_sent", None),
        ("email_sent", None),
        ("meeting", None),
        ("email_replied", Some("Yes, talk next week\nRegards, Ann")),
    ] {
        activities::log(
            &mut tx,
            NewActivity {
                kind: kind.into(),
                subject: Some("Re: pilot".into()),
                body: body.map(String::from),
                happens_at: Some(now - Duration::minutes(5)),
                deal_id: Some(a.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // Another client's deal, worth more than all of these.
    let mut tx = t.tx(beta, human).await;
    let bp = pipeline::create_pipeline(&mut tx, "Beta").await.unwrap();
    let bs = pipeline::create_stage(&mut tx, bp, "Beta lead", 10, false, false)
        .await
        .unwrap();
    let _: Deal = records::create(
        &mut tx,
        vec![
            DealField::Name("Beta secret".into()),
            DealField::Pipeline(bp),
            DealField::Stage(bs),
            DealField::AmountMicros(Some(77_777_000_000)),
            DealField::CloseDate(Some(today)),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let addr = spawn_app(&t, &Settings::from_pairs(&[]).unwrap()).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    let html = me.text("/").await;

    // Value and weighted value of each open stage; the largest bar fills
    // the plot (162 units high), the others in proportion.
    let stages = figure(&html, "chart-stages");
    for title in [
        "Lead, Value: 1000",
        "Lead, Weighted: 100",
        "Proposal, Value: 4000",
        "Proposal, Weighted: 2000",
    ] {
        assert!(stages.contains(&format!("<title>{title}<")), "{title}");
    }
    assert!(!stages.contains("Won,") && !stages.contains("Lost,"));
    assert_eq!(stages.matches("height=\"162.0\"").count(), 1);
    assert_eq!(stages.matches("height=\"81.0\"").count(), 1);
    assert_eq!(stages.matches("<rect").count(), 4);

    let month = |d: chrono::NaiveDate| d.format("%b %y").to_string();
    let forecast = figure(&html, "chart-forecast");
    assert_eq!(forecast.matches("<rect").count(), 6);
    assert!(forecast.contains(&format!("<title>{}, Weighted: 100<", month(today))));
    assert!(forecast.contains(&format!("<title>{}, Weighted: 2000<", month(next_month))));

    let closed = figure(&html, "chart-closed");
    assert_eq!(closed.matches("<rect").count(), 24);
    assert!(closed.contains(&format!("<title>{}, Won: 2000<", month(today))));
    assert!(closed.contains(&format!("<title>{}, Lost: 500<", month(today))));
    assert!(closed.contains(">50%<"), "one won of two decided");

    let weeks = figure(&html, "chart-activity");
    assert_eq!(weeks.matches("<rect").count(), 36);
    assert!(weeks.contains("Emails sent: 2<"));
    assert!(weeks.contains("Meetings: 1<"));
    assert!(weeks.contains("Replies: 1<"));

    // The first visit shows the last week's replies, first line only.
    assert!(html.contains("Yes, talk next week"));
    assert!(!html.contains("Regards, Ann"));
    // Nothing of the other client's.
    assert!(!html.contains("77777") && !html.contains("Beta secret"));
}

#[tokio::test]
async fn a_visit_starts_where_the_one_before_it_ended() {
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let visit = || async {
        let mut tx = t.tx(alpha, human).await;
        let since = today::visit(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        since
    };
    // A first visit has no "since"; a reload within half an hour is the
    // same visit.
    assert_eq!(visit().await, None);
    let version = || async {
        sqlx::query_scalar::<_, String>("SELECT xmin::text FROM today_visits")
            .fetch_one(&t.owner)
            .await
            .unwrap()
    };
    let recorded = version().await;
    assert_eq!(visit().await, None);
    // A reload within the minute only reads the visit: no new row version
    // (and no lock held on it).
    assert_eq!(version().await, recorded);
    // An hour later it is a new visit, starting where the last one was.
    sqlx::query("UPDATE today_visits SET seen_at = seen_at - interval '1 hour'")
        .execute(&t.owner)
        .await
        .unwrap();
    let before: chrono::DateTime<Utc> = sqlx::query_scalar("SELECT seen_at FROM today_visits")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(visit().await, Some(before));
    assert_eq!(visit().await, Some(before));
    // An agent has no visit.
    let mut tx = t.tx(alpha, Actor::Agent).await;
    assert!(today::visit(&mut tx).await.is_err());
}
