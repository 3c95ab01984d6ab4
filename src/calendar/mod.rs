//! Calendar sync over CalDAV: the resources whose ETag changed are read
//! again, their events expanded over the window (recurrences, exceptions,
//! overrides) and stored as occurrences; a resource gone or an event
//! cancelled cancels its occurrences. Each meeting with someone outside
//! the company is a `meeting` activity on every such attendee's contact
//! (made like mail discovery makes them), and on their company's open deal
//! when it has exactly one.

pub mod dav;
pub mod ical;

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use redkey_data::{
    activities::{self, NewActivity},
    calendar_events::{self, Occurrence},
    contacts::{self, ContactField},
    deals,
    secrets::SecretBox,
    sources, Actor, ClientId, Db, DbError, Tx,
};
use redkey_types::{Contact, EmailAddress, IngestSource, SourceKind};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    engine::TaskError,
    integrations,
    mailbox::{discover, MailboxSettings},
};
use redkey_data::api_library::Configured;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarSettings {
    /// The calendar collection (https; http only to this machine).
    pub url: String,
    pub username: String,
    /// The owner's address: attendees at its domain are colleagues.
    pub address: String,
    pub days_back: i64,
    pub days_ahead: i64,
}

impl Default for CalendarSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            username: String::new(),
            address: String::new(),
            days_back: 30,
            days_ahead: 120,
        }
    }
}

#[derive(Debug, Default, serde::Serialize)]
pub struct CalendarSynced {
    pub read: usize,
    pub meetings: usize,
    pub cancelled: usize,
}

fn settings_error(m: impl Into<String>) -> TaskError {
    TaskError::Permanent(format!("calendar settings: {}", m.into()))
}

/// The `mailbox.sync` timer also syncs the client's calendars.
pub async fn sync_client(
    db: &Db,
    secrets: Option<&SecretBox>,
    client: ClientId,
) -> Result<Value, TaskError> {
    let Some((calendars, secrets)) =
        crate::mailbox::connected(db, secrets, client, SourceKind::Caldav).await?
    else {
        return Ok(json!({ "calendars": 0 }));
    };
    let mut done = vec![];
    for c in calendars {
        let url = serde_json::from_value::<CalendarSettings>(c.settings.clone())
            .map(|s| s.url)
            .unwrap_or_else(|_| "https://unknown".into());
        let source = Configured {
            provider: "caldav",
            name: &c.name,
            base_url: &url,
            secret_ref: crate::mailbox::SOURCE_CREDENTIAL,
            rate_per_minute: None,
        };
        let synced =
            integrations::tracked(db, client, &source, sync_calendar(db, secrets, client, &c))
                .await??;
        done.push(json!({ "calendar": c.name, "synced": synced }));
    }
    Ok(json!({ "calendars": done }))
}

pub async fn sync_calendar(
    db: &Db,
    secrets: &SecretBox,
    client: ClientId,
    source: &IngestSource,
) -> Result<CalendarSynced, TaskError> {
    let s: CalendarSettings = serde_json::from_value(source.settings.clone())
        .map_err(|e| settings_error(e.to_string()))?;
    let url = reqwest::Url::parse(&s.url).map_err(|e| settings_error(e.to_string()))?;
    let loopback = url
        .host_str()
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]");
    if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
        return Err(settings_error(
            "the calendar's address is https (http only on this machine)",
        ));
    }
    let mut tx = db.begin(client, Actor::Agent).await?;
    let password = sources::secret(&mut tx, secrets, source.id)
        .await?
        .ok_or_else(|| settings_error("no password is stored"))?;
    let known = calendar_events::etags(&mut tx, source.id).await?;
    tx.commit().await?;
    let http = reqwest::Client::builder()
        .user_agent(concat!("redkey/", env!("CARGO_PKG_VERSION")))
        .timeout(StdDuration::from_secs(30))
        .build()
        .map_err(|e| TaskError::Permanent(e.to_string()))?;
    let listed = dav::list(&http, &s.url, &s.username, &password)
        .await
        .map_err(TaskError::Retry)?;
    let now = Utc::now();
    let (from, to) = (
        now - Duration::days(s.days_back),
        now + Duration::days(s.days_ahead),
    );
    let mut synced = CalendarSynced::default();
    for (href, etag) in &listed {
        if known.iter().any(|(h, e)| h == href && e == etag) {
            continue;
        }
        let text = dav::get(&http, &s.url, href, &s.username, &password)
            .await
            .map_err(TaskError::Retry)?;
        let events = ical::parse(&text);
        // A day's slack either way: local times are compared before their
        // zone is applied.
        let slack = Duration::days(1);
        let local = ical::expand(
            &events,
            (from - slack).naive_utc(),
            (to + slack).naive_utc(),
        );
        let mut tx = db.begin(client, Actor::Agent).await?;
        let starts = utc(&mut tx, &local).await?;
        let mut occurrences = vec![];
        for (o, starts_at) in local.into_iter().zip(starts) {
            if starts_at < from || starts_at >= to {
                continue;
            }
            occurrences.push(Occurrence {
                uid: o.uid,
                ends_at: starts_at + o.duration,
                starts_at,
                summary: o.summary,
                attendees: o.people,
                cancelled: o.cancelled,
            });
        }
        let gone = calendar_events::replace(&mut tx, source.id, href, etag, &occurrences).await?;
        synced.read += 1;
        for o in occurrences.iter().chain(&gone) {
            match meeting(&mut tx, &s, o).await? {
                Some(true) => synced.meetings += 1,
                Some(false) => synced.cancelled += 1,
                None => {}
            }
        }
        tx.commit().await?;
    }
    // Resources that are gone cancel what they held.
    let mut tx = db.begin(client, Actor::Agent).await?;
    for (href, _) in known
        .iter()
        .filter(|(h, _)| !listed.iter().any(|(l, _)| l == h))
    {
        for o in calendar_events::replace(&mut tx, source.id, href, "", &[]).await? {
            if meeting(&mut tx, &s, &o).await?.is_some() {
                synced.cancelled += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(synced)
}

/// Each occurrence's local start in its zone (UTC when floating) as an
/// instant, by the database's time zone rules, in one query.
async fn utc(tx: &mut Tx, local: &[ical::Local]) -> Result<Vec<DateTime<Utc>>, DbError> {
    let starts: Vec<NaiveDateTime> = local.iter().map(|o| o.start).collect();
    let zones: Vec<String> = local
        .iter()
        .map(|o| o.zone.clone().unwrap_or_else(|| "UTC".into()))
        .collect();
    Ok(sqlx::query_scalar(
        "SELECT t AT TIME ZONE z FROM unnest($1::timestamp[], $2::text[]) WITH ORDINALITY \
         AS x(t, z, n) ORDER BY n",
    )
    .bind(starts)
    .bind(zones)
    .fetch_all(tx.conn())
    .await?)
}

/// The occurrence's `meeting` activities: logged (or renamed) on each
/// outside attendee's contact, or marked cancelled. Some(true) for a
/// meeting, Some(false) for a cancellation, None when nobody is outside.
async fn meeting(
    tx: &mut Tx,
    s: &CalendarSettings,
    o: &Occurrence,
) -> Result<Option<bool>, DbError> {
    let own = MailboxSettings {
        address: s.address.to_lowercase(),
        ..MailboxSettings::default()
    };
    let outside: Vec<&String> = o
        .attendees
        .iter()
        .filter(|a| discover::is_person(a, &own))
        .collect();
    if outside.is_empty() {
        return Ok(None);
    }
    let key = format!("cal:{}:{}", o.uid, o.starts_at.timestamp());
    if o.cancelled {
        sqlx::query(
            "UPDATE crm_activities SET subject = 'Cancelled: ' || coalesce($2, 'meeting'), \
                    properties = properties || '{\"cancelled\": true}' \
             WHERE kind = 'meeting' AND external_key LIKE $1 || ':%' \
               AND NOT coalesce((properties ->> 'cancelled')::boolean, false)",
        )
        .bind(&key)
        .bind(&o.summary)
        .execute(tx.conn())
        .await?;
        return Ok(Some(false));
    }
    for address in outside {
        let contact = contact_for(tx, address).await?;
        let Some(contact) = contact else { continue };
        let deal = match contact.company_id {
            Some(company) => deals::only_open_of_company(tx, company).await?,
            None => None,
        };
        let logged = activities::log(
            tx,
            NewActivity {
                kind: "meeting".into(),
                subject: o.summary.clone(),
                happens_at: Some(o.starts_at),
                contact_id: Some(contact.id),
                company_id: contact.company_id,
                deal_id: deal,
                properties: Some(json!({ "ends_at": o.ends_at, "attendees": o.attendees })),
                external_key: Some(format!("{key}:{}", contact.id)),
                source: Some(redkey_types::Source::Calendar),
                ..Default::default()
            },
        )
        .await?;
        if logged.is_none() {
            // An update replaces: the title may have changed.
            sqlx::query("UPDATE crm_activities SET subject = $2 WHERE external_key = $1")
                .bind(format!("{key}:{}", contact.id))
                .bind(&o.summary)
                .execute(tx.conn())
                .await?;
        }
    }
    Ok(Some(true))
}

/// The attendee's contact, made when there is none.
async fn contact_for(tx: &mut Tx, address: &str) -> Result<Option<Contact>, DbError> {
    let Ok(email) = EmailAddress::parse(address) else {
        return Ok(None);
    };
    if let Some(c) = contacts::by_email(tx, &email).await? {
        return Ok(Some(c));
    }
    let mut fields = vec![];
    if let Some(company) = discover::company_for(tx, discover::domain(address)).await? {
        fields.push(ContactField::Company(Some(company)));
    }
    let (c, _) =
        contacts::upsert_by_email(tx, &email, fields, redkey_types::Source::Calendar).await?;
    Ok(Some(c))
}
