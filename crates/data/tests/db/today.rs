//! Today's reads. The per-day activity counts its weekly chart reads: kept
//! by statement triggers, they must equal a fresh count after concurrent
//! logging, edits, archivals, deletions and rows another application
//! writes with no client chosen, and follow a change of time zone. Its
//! recontact list: both kinds in one order, within the limit.

use chrono::{Duration, Utc};
use redkey_data::{
    activities, activities::NewActivity, agenda, contacts::ContactField, deals::DealField, records,
    today, Actor, ClientId, Tx,
};
use redkey_testkit::{over_twenty, TestDb};

use crate::support::{board_with, far_zone, new_contact};

const KINDS: [&str; 3] = ["email_sent", "email_replied", "meeting"];

type Days = Vec<(String, chrono::NaiveDate, i64)>;

/// What the client's activities are, counted now by day in its zone, and
/// what the kept counts say.
async fn fresh_and_kept(tx: &mut Tx) -> (Days, Days) {
    let fresh = sqlx::query_as(
        "SELECT kind, (happens_at AT TIME ZONE (SELECT time_zone FROM crm_client_schedule))::date, \
                count(*) FROM crm_activities GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap();
    let kept = sqlx::query_as("SELECT kind, day, activities FROM crm_activity_days ORDER BY 1, 2")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    (fresh, kept)
}

async fn assert_exact(t: &TestDb, client: ClientId, what: &str) -> Days {
    let mut tx = t.tx(client, Actor::Agent).await;
    let (fresh, kept) = fresh_and_kept(&mut tx).await;
    tx.commit().await.unwrap();
    assert_eq!(kept, fresh, "{what}");
    kept
}

#[tokio::test]
async fn kept_activity_days_stay_exact() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let ada = new_contact(&t, a, human, "Ada").await;
    let now = Utc::now();

    // Four of arlo's workers log at once, many on the same days.
    let mut workers = vec![];
    for w in 0..4i64 {
        let db = t.db.clone();
        workers.push(tokio::spawn(async move {
            for i in 0..20i64 {
                let mut tx = db.begin(a, Actor::Agent).await.unwrap();
                activities::log(
                    &mut tx,
                    NewActivity {
                        kind: KINDS[((w + i) % 3) as usize].into(),
                        happens_at: Some(now - Duration::hours(7 * i + w)),
                        contact_id: Some(ada),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let first = assert_exact(&t, a, "after concurrent logging").await;
    assert_eq!(first.iter().map(|d| d.2).sum::<i64>(), 80);

    // Another application edits the table itself: moves some in time,
    // changes a kind, archives some, deletes some and adds one.
    let table = if over_twenty() {
        "redkey_twenty.activities"
    } else {
        "activities"
    };
    let mut other = t.owner.begin().await.unwrap();
    sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
        .bind(a.0.to_string())
        .execute(&mut *other)
        .await
        .unwrap();
    for sql in [
        format!(
            "UPDATE {table} SET happens_at = happens_at - interval '3 days' \
             WHERE id IN (SELECT id FROM {table} WHERE workspace_id = $1 ORDER BY id LIMIT 10)"
        ),
        format!(
            "UPDATE {table} SET kind = 'call' \
             WHERE id IN (SELECT id FROM {table} WHERE workspace_id = $1 ORDER BY id DESC LIMIT 5)"
        ),
        format!(
            "UPDATE {table} SET deleted_at = now() \
             WHERE id IN (SELECT id FROM {table} WHERE workspace_id = $1 ORDER BY id LIMIT 3 OFFSET 20)"
        ),
        format!(
            "DELETE FROM {table} \
             WHERE id IN (SELECT id FROM {table} WHERE workspace_id = $1 ORDER BY id LIMIT 4 OFFSET 30)"
        ),
        format!("UPDATE {table} SET subject = 'only the subject' WHERE workspace_id = $1"),
        format!(
            "INSERT INTO {table} (workspace_id, kind, happens_at, person_id) \
             VALUES ($1, 'meeting', now() - interval '40 days', $2)"
        ),
    ] {
        sqlx::query(&sql)
            .bind(a.0)
            .bind(ada)
            .execute(&mut *other)
            .await
            .unwrap();
    }
    other.commit().await.unwrap();
    let edited = assert_exact(&t, a, "after another application's edits").await;
    assert_eq!(edited.iter().map(|d| d.2).sum::<i64>(), 80 - 3 - 4 + 1);

    // A far zone moves activities across midnight: counted again.
    far_zone(&t).await;
    let moved = assert_exact(&t, a, "after the time zone changed").await;
    assert_ne!(moved, edited, "fourteen hours ahead, some days change");

    // The weekly chart sums the same counts; the other client sees none.
    let mut tx = t.tx(a, human).await;
    let weeks = today::weeks(&mut tx, now).await.unwrap();
    tx.commit().await.unwrap();
    let in_chart: i64 = weeks.iter().map(|w| w.sent + w.replies + w.meetings).sum();
    let expected: i64 = moved
        .iter()
        .filter(|(kind, day, _)| KINDS.contains(&kind.as_str()) && *day >= weeks[0].week)
        .map(|d| d.2)
        .sum();
    assert_eq!(in_chart, expected);
    assert!(in_chart > 0);
    assert!(assert_exact(&t, b, "the other client").await.is_empty());
}

/// Today's recontact list: the contacts and deals due by a time (overdue
/// ones too), soonest first and by name on the same time, both kinds in
/// one order, at most the limit, of the client only.
#[tokio::test]
async fn recontacts_are_the_soonest_of_both_kinds() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let now = Utc::now();
    let at = |hours: i64| Some(now + Duration::hours(hours));
    let mut tx = t.tx(a, human).await;
    for (first, due) in [
        ("Bea", at(-48)),
        ("Abe", at(-48)),
        ("Cy", at(-1)),
        ("Dot", at(5)),
        ("Eve", at(30)),
        ("Fay", None),
    ] {
        let fields = vec![
            ContactField::FirstName(first.into()),
            ContactField::LastName("Due".into()),
            ContactField::RecontactAt(due),
        ];
        records::create(&mut tx, fields).await.unwrap();
    }
    let (_, _, deals) = board_with(&mut tx, &[("Lead", 10, false, false)], 3, |_| None).await;
    for (deal, hours) in deals.iter().zip([-24, 2, 40]) {
        let due = vec![DealField::RecontactAt(at(hours))];
        records::update(&mut tx, *deal, due).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = t.tx(b, human).await;
    let other = vec![
        ContactField::FirstName("Other".into()),
        ContactField::RecontactAt(at(-100)),
    ];
    records::create(&mut tx, other).await.unwrap();
    tx.commit().await.unwrap();

    let due = |limit| {
        let db = t.db.clone();
        async move {
            let mut tx = db.begin(a, human).await.unwrap();
            let hits = agenda::recontacts_until(&mut tx, now + Duration::hours(24), limit)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            hits.into_iter()
                .map(|h| (h.kind.as_str().to_string(), h.label))
                .collect::<Vec<_>>()
        }
    };
    let expected = [
        ("contact", "Abe Due"),
        ("contact", "Bea Due"),
        ("deal", "Deal 0"),
        ("contact", "Cy Due"),
        ("deal", "Deal 1"),
        ("contact", "Dot Due"),
    ]
    .map(|(k, l)| (k.to_string(), l.to_string()));
    assert_eq!(due(10).await, expected);
    // Three contacts come before the second deal: the limit holds over both.
    assert_eq!(due(4).await, expected[..4]);
}
