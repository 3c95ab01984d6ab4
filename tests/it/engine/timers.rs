//! Timer ticks: once across instances, in each client's time zone.

use chrono::Utc;
use redkey::engine::Engine;
use redkey_data::engine;
use redkey_testkit::TestDb;
use redkey_types::TIMERS;

use super::*;

#[tokio::test]
async fn timer_ticks_create_each_task_once_across_instances() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let one = Engine::new(t.db.clone(), settings("one", &[]), None).unwrap();
    let two = Engine::new(t.db.clone(), settings("two", &[]), None).unwrap();
    // Mid-slot for every timer: 12:00:10 UTC, after the 08:00 daily check.
    let now = Utc::now()
        .date_naive()
        .and_hms_opt(12, 0, 10)
        .unwrap()
        .and_utc();
    let (x, y) = tokio::join!(one.fire_timers(now), two.fire_timers(now));
    assert_eq!(
        x.unwrap() + y.unwrap(),
        2 * TIMERS.len(),
        "one task per timer and client"
    );
    // A late instance in the same slots creates nothing.
    let late = now + chrono::Duration::seconds(15);
    assert_eq!(two.fire_timers(late).await.unwrap(), 0);
    // Drain; the next 30-second slot creates the sequence step only.
    while one.run_one().await.unwrap().is_some() {}
    let next = now + chrono::Duration::seconds(30);
    assert_eq!(one.fire_timers(next).await.unwrap(), 2);
    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, count(*) FROM tasks GROUP BY kind ORDER BY kind")
            .fetch_all(&t.owner)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            ("database.backup".to_string(), 2),
            ("email.domain_check".to_string(), 2),
            ("enrichment.scan".to_string(), 2),
            ("mailbox.sync".to_string(), 2),
            ("pipeline.health".to_string(), 2),
            ("sequence.step".to_string(), 4),
            ("trash.purge".to_string(), 2)
        ]
    );
}

#[tokio::test]
async fn the_daily_slot_follows_the_clients_time_zone() {
    let t = TestDb::new().await;
    let (alpha_id, _, human) = t.two_clients().await;
    redkey_data::admin::set_schedule(
        &t.owner,
        "alpha",
        chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
        "America/New_York",
    )
    .await
    .unwrap();
    assert!(redkey_data::admin::set_schedule(
        &t.owner,
        "alpha",
        chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
        "Mars/Olympus"
    )
    .await
    .is_err());
    // 2027-01-15 13:00 UTC is 08:00 in New York (EST, UTC-5).
    let now = chrono::DateTime::parse_from_rfc3339("2027-01-15T13:00:00Z")
        .unwrap()
        .to_utc();
    let clients = engine::clients(&t.db, now).await.unwrap();
    let slot = |slug: &str| {
        clients
            .iter()
            .find(|c| c.slug == slug)
            .unwrap()
            .daily_slot
            .to_rfc3339()
    };
    assert_eq!(slot("alpha"), "2027-01-15T12:30:00+00:00");
    assert_eq!(slot("beta"), "2027-01-15T08:00:00+00:00");
    // Across the spring DST change (2027-03-14 in New York) the slot stays
    // at 07:30 local: 11:30 UTC, not 12:30.
    let after_dst = chrono::DateTime::parse_from_rfc3339("2027-03-15T12:00:00Z")
        .unwrap()
        .to_utc();
    let clients = engine::clients(&t.db, after_dst).await.unwrap();
    let alpha = clients.iter().find(|c| c.slug == "alpha").unwrap();
    assert_eq!(alpha.daily_slot.to_rfc3339(), "2027-03-15T11:30:00+00:00");

    // The Arlo page's "next run" is the coming 07:30 in New York.
    let mut tx = t.tx(alpha_id, human).await;
    let next = redkey_data::tasks::next_daily_run(&mut tx).await.unwrap();
    let now = Utc::now();
    assert!(
        next > now && next <= now + chrono::Duration::hours(25),
        "{next}"
    );
    let local: String =
        sqlx::query_scalar("SELECT to_char($1 AT TIME ZONE 'America/New_York', 'HH24:MI')")
            .bind(next)
            .fetch_one(&t.owner)
            .await
            .unwrap();
    assert_eq!(local, "07:30");
}

#[tokio::test]
async fn the_trash_timer_purges_only_what_is_older_than_the_configured_days() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let mut archived = vec![];
    for name in ["Old", "Recent"] {
        let c: redkey_types::Contact = redkey_data::records::create(
            &mut tx,
            vec![redkey_data::contacts::ContactField::FirstName(name.into())],
        )
        .await
        .unwrap();
        redkey_data::audit::archive(&mut tx, redkey_data::audit::Kind::Contact, c.id)
            .await
            .unwrap();
        archived.push(c.id);
    }
    tx.commit().await.unwrap();
    // "Old" went to the trash eight days ago; the trash keeps seven.
    sqlx::query("UPDATE people SET deleted_at = now() - interval '8 days' WHERE id = $1")
        .bind(archived[0])
        .execute(&t.owner)
        .await
        .unwrap();
    let engine = Engine::new(
        t.db.clone(),
        settings("one", &[("REDKEY_TRASH_DAYS", "7")]),
        None,
    )
    .unwrap();
    let id = enqueue(&t, a, "trash.purge", serde_json::json!({})).await;
    let ran = engine.run_one().await.unwrap().unwrap();
    assert_eq!(ran.task, id);
    let result = match ran.outcome {
        redkey_data::engine::Outcome::Succeeded(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(result["purged"], 1);
    let mut tx = t.tx(a, human).await;
    let left: Vec<uuid::Uuid> = redkey_data::trash::list(&mut tx, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(left, [archived[1]]);
}
