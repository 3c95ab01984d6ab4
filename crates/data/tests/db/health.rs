//! Pipeline health: last activity follows the activities however they are
//! written, each stage has its threshold, and one rule flags stale,
//! overdue and unplanned open deals, in the client's time zone.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use redkey_data::{
    activities::{self, NewActivity},
    admin,
    companies::CompanyField,
    contacts::ContactField,
    deals::{self, DealField},
    pipeline, records, Actor,
};
use redkey_testkit::{over_twenty, TestDb};
use redkey_types::{Company, Contact, Deal};
use uuid::Uuid;

use crate::support::board;

#[tokio::test]
async fn last_activity_follows_every_activity_and_stays_out_of_the_timeline() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let company: Company = records::create(&mut tx, vec![CompanyField::Name("Acme".into())])
        .await
        .unwrap();
    let contact: Contact = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Ada".into()),
            ContactField::Company(Some(company.id)),
        ],
    )
    .await
    .unwrap();
    let (_, _, ds) = board(&mut tx, 1).await;
    tx.commit().await.unwrap();
    let two_days_ago = Utc::now() - Duration::days(2);
    let mut tx = t.tx(a, Actor::Agent).await;
    activities::log(
        &mut tx,
        NewActivity {
            kind: "call".into(),
            happens_at: Some(two_days_ago),
            contact_id: Some(contact.id),
            company_id: Some(company.id),
            deal_id: Some(ds[0]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Another application writes an older and a future activity straight
    // into the table, without any of our settings.
    // (An attached Twenty workspace's activities are the adapter's table.)
    let table = if over_twenty() {
        "redkey_twenty.activities"
    } else {
        "activities"
    };
    sqlx::query(&format!(
        "INSERT INTO {table} (workspace_id, kind, happens_at, opportunity_id) \
         VALUES ($1, 'note', now() - interval '9 days', $2), ($1, 'meeting', now() + interval '3 days', $2)",
    ))
    .bind(a.0)
    .bind(ds[0])
    .execute(&t.owner)
    .await
    .unwrap();
    let mut tx = t.tx(a, human).await;
    let close = |t: Option<DateTime<Utc>>| {
        t.is_some_and(|t| (t - two_days_ago).num_milliseconds().abs() < 1)
    };
    assert!(close(
        records::get::<Contact>(&mut tx, contact.id)
            .await
            .unwrap()
            .last_activity_at
    ));
    assert!(close(
        records::get::<Company>(&mut tx, company.id)
            .await
            .unwrap()
            .last_activity_at
    ));
    assert!(close(
        records::get::<Deal>(&mut tx, ds[0])
            .await
            .unwrap()
            .last_activity_at
    ));
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM crm_field_changes WHERE column_name = 'last_activity_at'",
    )
    .fetch_one(tx.conn())
    .await
    .unwrap();
    assert_eq!(audited, 0, "last activity is not a timeline entry");
}

#[tokio::test]
async fn one_rule_flags_stale_overdue_and_unplanned_deals_in_the_clients_zone() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    // 06:00 UTC on 10 March is still 9 March in Los Angeles.
    admin::set_schedule(
        &t.owner,
        "alpha",
        NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
        "America/Los_Angeles",
    )
    .await
    .unwrap();
    let now = Utc.with_ymd_and_hms(2027, 3, 10, 6, 0, 0).unwrap();
    let mut tx = t.tx(a, human).await;
    let (p, stages, _) = board(&mut tx, 0).await;
    // Lead keeps the default 14 days; Proposal goes stale after 7.
    pipeline::set_stage_threshold(&mut tx, stages[1], 7)
        .await
        .unwrap();
    let planned = Some(Utc.with_ymd_and_hms(2027, 6, 1, 9, 0, 0).unwrap());
    let deal = |name: &str, stage: Uuid, close: Option<(i32, u32, u32)>, recontact| {
        let mut fields = vec![
            DealField::Name(name.into()),
            DealField::Pipeline(p),
            DealField::Stage(stage),
            DealField::RecontactAt(recontact),
        ];
        if let Some((y, m, d)) = close {
            fields.push(DealField::CloseDate(chrono::NaiveDate::from_ymd_opt(
                y, m, d,
            )));
        }
        fields
    };
    let mut ids = vec![];
    for (fields, idle) in [
        (deal("stale", stages[0], None, planned), Duration::days(20)),
        (
            deal("just under", stages[0], None, planned),
            Duration::days(14) - Duration::minutes(1),
        ),
        (deal("fresh", stages[0], None, planned), Duration::days(1)),
        (
            deal("stale for proposal", stages[1], None, planned),
            Duration::days(8),
        ),
        (
            deal("closes today there", stages[0], Some((2027, 3, 9)), planned),
            Duration::days(1),
        ),
        (
            deal("overdue", stages[0], Some((2027, 3, 8)), planned),
            Duration::days(2),
        ),
        (deal("unplanned", stages[0], None, None), Duration::days(1)),
        (
            deal("won long ago", stages[2], Some((2026, 1, 1)), None),
            Duration::days(90),
        ),
    ] {
        let d: Deal = records::create(&mut tx, fields).await.unwrap();
        ids.push((d.id, now - idle));
    }
    tx.commit().await.unwrap();
    // Arlo keeps the last activity.
    let mut tx = t.tx(a, Actor::Agent).await;
    for (id, last) in &ids {
        sqlx::query("UPDATE crm_deals SET last_activity_at = $2 WHERE id = $1")
            .bind(id)
            .bind(last)
            .execute(tx.conn())
            .await
            .unwrap();
    }
    let (open, flagged) = deals::needs_attention(&mut tx, now).await.unwrap();
    assert_eq!(open, 7);
    let got: Vec<(&str, bool, bool, bool)> = flagged
        .iter()
        .map(|f| (f.name.as_str(), f.stale, f.overdue, f.no_recontact))
        .collect();
    assert_eq!(
        got,
        [
            ("stale", true, false, false),
            ("stale for proposal", true, false, false),
            ("overdue", false, true, false),
            ("unplanned", false, false, true),
        ]
    );
    assert_eq!(flagged[0].idle_days, 20);
    assert_eq!(flagged[0].reasons(), ["no activity for 20 days"]);

    // The board's first page is the same rule, stalest first, however a
    // deal's quiet time is kept (over Twenty, one with no activity is
    // quiet since Twenty's creation time, in another table).
    sqlx::query("UPDATE crm_deals SET last_activity_at = NULL WHERE id = $1")
        .bind(ids[2].0)
        .execute(tx.conn())
        .await
        .unwrap();
    let (_, mut all) = deals::needs_attention(&mut tx, now).await.unwrap();
    let first = deals::needs_attention_first(&mut tx, now, p, 100)
        .await
        .unwrap();
    assert!(first.windows(2).all(|w| w[0].idle_days >= w[1].idle_days));
    for k in 1..first.len() {
        let page = deals::needs_attention_first(&mut tx, now, p, k as i32)
            .await
            .unwrap();
        assert_eq!(page, first[..k]);
    }
    let mut firsts = first.clone();
    firsts.sort_by_key(|f| f.deal_id);
    all.sort_by_key(|f| f.deal_id);
    assert_eq!(firsts, all);
}
