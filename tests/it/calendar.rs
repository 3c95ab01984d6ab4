//! Calendar sync against a real Radicale: meetings with outside people on
//! their contacts' timelines (recurrences expanded, overrides and
//! exceptions applied), updates renaming, cancellations and deletions
//! cancelling, unchanged resources not read again.

use chrono::{Duration, Utc};
use redkey::calendar::sync_calendar;
use redkey_data::{activities, contacts, secrets::SecretBox, sources, Actor, ClientId};
use redkey_testkit::TestDb;
use redkey_types::{Activity, EmailAddress, IngestSource, SourceKind};
use serde_json::json;

use crate::helpers::radicale::Radicale;

struct Cal {
    t: TestDb,
    client: ClientId,
    store: SecretBox,
    source: IngestSource,
    dav: Radicale,
    /// The client's admin.
    human: redkey_data::Actor,
}

async fn calendar() -> Cal {
    let t = TestDb::new().await;
    let (client, _, human) = t.two_clients().await;
    let dav = Radicale::start().await;
    let store = SecretBox::new(&SecretBox::generate_key(), &[]).unwrap();
    let mut tx = t.tx(client, human).await;
    let settings =
        json!({ "url": dav.calendar(), "username": "test", "address": "justin@alpha.test" });
    let source = sources::create(&mut tx, SourceKind::Caldav, "Work", &settings)
        .await
        .unwrap();
    sources::set_secret(&mut tx, &store, source.id, "secret")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Cal {
        t,
        client,
        store,
        source,
        dav,
        human,
    }
}

fn ics(
    uid: &str,
    start: chrono::DateTime<Utc>,
    extra: &str,
    summary: &str,
    people: &[&str],
) -> String {
    let attendees: String = people
        .iter()
        .map(|p| format!("ATTENDEE:mailto:{p}\n"))
        .collect();
    format!(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20270101T000000Z\n\
         DTSTART:{}\nDURATION:PT1H\nSUMMARY:{summary}\n{extra}ORGANIZER:mailto:justin@alpha.test\n{attendees}END:VEVENT\nEND:VCALENDAR\n",
        start.format("%Y%m%dT%H%M%SZ")
    )
}

impl Cal {
    async fn sync(&self) -> redkey::calendar::CalendarSynced {
        sync_calendar(&self.t.db, &self.store, self.client, &self.source)
            .await
            .unwrap()
    }

    async fn meetings_of(&self, email: &str) -> Vec<Activity> {
        let mut tx = self.t.tx(self.client, Actor::Agent).await;
        let Some(c) = contacts::by_email(&mut tx, &EmailAddress::parse(email).unwrap())
            .await
            .unwrap()
        else {
            return vec![];
        };
        let mut all: Vec<Activity> =
            activities::latest_of(&mut tx, redkey_types::RecordKind::Contact, c.id, None, 100)
                .await
                .unwrap()
                .into_iter()
                .filter(|a| a.kind == "meeting")
                .collect();
        all.sort_by_key(|a| a.happens_at);
        all
    }
}

#[tokio::test]
async fn meetings_flow_in_and_follow_changes_cancellations_and_deletions() {
    let c = calendar().await;
    let soon = (Utc::now() + Duration::days(2))
        .date_naive()
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc();
    c.dav
        .put(
            "kickoff.ics",
            &ics("kickoff", soon, "", "Kickoff", &["ada@lovelace.test"]),
        )
        .await;
    c.dav
        .put(
            "weekly.ics",
            &ics(
                "weekly",
                soon,
                "RRULE:FREQ=WEEKLY;COUNT=3\n",
                "Weekly",
                &["bob@bob.test"],
            ),
        )
        .await;
    c.dav
        .put(
            "internal.ics",
            &ics("internal", soon, "", "Team", &["colleague@alpha.test"]),
        )
        .await;

    let first = c.sync().await;
    assert_eq!((first.read, first.meetings), (3, 4), "{first:?}");
    let ada = c.meetings_of("ada@lovelace.test").await;
    assert_eq!(ada.len(), 1);
    assert_eq!(
        (ada[0].subject.as_deref(), ada[0].happens_at),
        (Some("Kickoff"), soon)
    );
    let bob = c.meetings_of("bob@bob.test").await;
    assert_eq!(
        bob.iter().map(|a| a.happens_at).collect::<Vec<_>>(),
        [soon, soon + Duration::weeks(1), soon + Duration::weeks(2)]
    );
    assert!(
        c.meetings_of("colleague@alpha.test").await.is_empty(),
        "colleagues are not contacts"
    );

    // Nothing changed: nothing read.
    assert_eq!(c.sync().await.read, 0);

    // Renamed: the same meeting, the new title.
    c.dav
        .put(
            "kickoff.ics",
            &ics(
                "kickoff",
                soon,
                "",
                "Kickoff (agenda attached)",
                &["ada@lovelace.test"],
            ),
        )
        .await;
    assert_eq!(c.sync().await.read, 1);
    let ada = c.meetings_of("ada@lovelace.test").await;
    assert_eq!(ada.len(), 1);
    assert_eq!(ada[0].subject.as_deref(), Some("Kickoff (agenda attached)"));

    // Cancelled in the calendar; the weekly one deleted.
    c.dav
        .put(
            "kickoff.ics",
            &ics(
                "kickoff",
                soon,
                "STATUS:CANCELLED\n",
                "Kickoff",
                &["ada@lovelace.test"],
            ),
        )
        .await;
    c.dav.delete("weekly.ics").await;
    let last = c.sync().await;
    assert!(last.cancelled >= 4, "{last:?}");
    let ada = c.meetings_of("ada@lovelace.test").await;
    assert!(
        ada[0].subject.as_deref().unwrap().starts_with("Cancelled"),
        "{:?}",
        ada[0].subject
    );
    assert!(c.meetings_of("bob@bob.test").await.iter().all(|a| a
        .subject
        .as_deref()
        .unwrap_or("")
        .starts_with("Cancelled")));
}

#[tokio::test]
async fn a_connected_calendar_without_the_secret_key_is_an_error_not_a_silent_skip() {
    let c = calendar().await;
    let e = redkey::calendar::sync_client(&c.t.db, None, c.client)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, redkey::engine::TaskError::Permanent(m) if m.contains("REDKEY_SECRET_KEY") && m.contains("caldav")),
        "{e:?}"
    );
    let synced = redkey::calendar::sync_client(&c.t.db, Some(&c.store), c.client)
        .await
        .unwrap();
    assert_eq!(synced["calendars"][0]["calendar"], "Work");
    // Settings → Integrations lists the calendar server and its sync.
    let mut tx = c.t.tx(c.client, redkey_data::Actor::Agent).await;
    let listed = redkey_data::api_library::list(&mut tx).await.unwrap();
    let [dav] = &listed[..] else {
        panic!("{listed:?}")
    };
    assert_eq!(
        (dav.provider.as_str(), dav.name.as_str()),
        ("caldav", "Work")
    );
    assert_eq!(dav.base_url, c.dav.calendar());
    assert_eq!((dav.calls_24h, dav.errors_24h), (1, 0));
    drop(tx);
    // Its address is the source's: the registry refuses to change it.
    let mut tx = c.t.tx(c.client, c.human).await;
    let refused =
        redkey_data::api_library::set(&mut tx, dav.id, "https://elsewhere.test", None, None, false)
            .await;
    assert!(
        matches!(refused, Err(redkey_data::DbError::Conflict(_))),
        "{refused:?}"
    );
}
