//! Mailbox sync against a real Dovecot: the first sync takes the window,
//! later ones only new UIDs, a new UIDVALIDITY stores nothing twice;
//! two-way correspondents become contacts (one-way mail and lists never),
//! mail goes on their timelines, threads are counted, a reply stops the
//! sequence once, and bodies are shown only to the mailbox's owner.

use chrono::{Duration, Utc};
use redkey::mailbox::{sync_mailbox, Synced};
use redkey_data::{
    activities, contacts, records, secrets::SecretBox, sequences, sources, Actor, ClientId,
};
use redkey_testkit::TestDb;
use redkey_types::{Contact, EmailAddress, EnrollmentStatus, IngestSource, SourceKind, Step};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::dovecot::Dovecot;

mod oauth;
mod replies;
mod sync;

struct Box_ {
    t: TestDb,
    client: ClientId,
    owner: Uuid,
    store: SecretBox,
    source: IngestSource,
    imap: Dovecot,
}

fn day(days_ago: i64) -> String {
    (Utc::now() - Duration::days(days_ago))
        .format("%d-%b-%Y %H:%M:%S +0000")
        .to_string()
}

fn mail(id: &str, from: &str, to: &str, subject: &str, extra: &str, body: &str) -> String {
    let date = Utc::now().to_rfc2822();
    // Extra headers, if any, then the blank line that ends the headers.
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("{extra}\n")
    };
    format!("Message-ID: <{id}>\nFrom: {from}\nTo: {to}\nSubject: {subject}\nDate: {date}\n{extra}\n{body}\n")
}

async fn mailbox() -> Box_ {
    let t = TestDb::new().await;
    let (client, _, _) = t.two_clients().await;
    let owner = t.user("justin@alpha.test", &["alpha"]).await;
    let imap = Dovecot::start().await;
    let store = SecretBox::new(&SecretBox::generate_key(), &[]).unwrap();
    let settings = json!({
        "host": "127.0.0.1", "port": imap.port, "security": "plain", "username": "test",
        "address": "justin@alpha.test", "window_days": 30,
    });
    let mut tx = t.tx(client, Actor::User(owner)).await;
    let source = sources::create_owned(
        &mut tx,
        SourceKind::Imap,
        "Justin's mail",
        &settings,
        Some(owner),
    )
    .await
    .unwrap();
    sources::set_secret(&mut tx, &store, source.id, "secret")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Box_ {
        t,
        client,
        owner,
        store,
        source,
        imap,
    }
}

impl Box_ {
    /// A contact with `email`, enrolled in a one-step sequence; the
    /// contact and the enrollment.
    async fn enrolled(&self, first: &str, email: &str) -> (Contact, redkey_types::Enrollment) {
        let mut tx = self.t.tx(self.client, Actor::User(self.owner)).await;
        let contact: Contact = records::create(
            &mut tx,
            vec![
                redkey_data::contacts::ContactField::FirstName(first.into()),
                redkey_data::contacts::ContactField::Email(Some(
                    EmailAddress::parse(email).unwrap(),
                )),
            ],
        )
        .await
        .unwrap();
        let step = Step {
            delay_days: 0,
            business_days: false,
            subject: "Hi".into(),
            body: "Hi".into(),
            intent: None,
        };
        let seq = sequences::create(
            &mut tx,
            &sequences::SequenceInput {
                name: format!("Intro {first}"),
                steps: vec![step],
                window_start: chrono::NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
                window_end: chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
                weekdays: vec![1, 2, 3, 4, 5, 6, 7],
                time_zone: "UTC".into(),
                personalised: false,
            },
        )
        .await
        .unwrap();
        let e = sequences::enroll(&mut tx, seq.id, contact.id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (contact, e)
    }

    async fn sync(&self) -> Synced {
        sync_mailbox(&self.t.db, &self.store, self.client, &self.source)
            .await
            .unwrap()
    }

    async fn contact(&self, email: &str) -> Option<Contact> {
        let mut tx = self.t.tx(self.client, Actor::Agent).await;
        contacts::by_email(&mut tx, &EmailAddress::parse(email).unwrap())
            .await
            .unwrap()
    }

    async fn kinds_for(&self, contact: Uuid) -> Vec<String> {
        let mut tx = self.t.tx(self.client, Actor::Agent).await;
        let mut k: Vec<String> = activities::latest_of(
            &mut tx,
            redkey_types::RecordKind::Contact,
            contact,
            None,
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect();
        k.sort();
        k
    }
}
