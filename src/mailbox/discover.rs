//! From synced mail to the CRM: a correspondent written to and heard from
//! (both ways, by a person, not a list or a robot, not ourselves) becomes a
//! contact, with a company by their domain unless it is a freemail one;
//! one-way mail never makes a contact. A contact's mail goes on their
//! timeline once per message, their thread count follows, and a reply to
//! a sequence stops it (logged once per Message-ID, like the provider's
//! inbound path).

use redkey_data::{
    activities::{self, NewActivity},
    companies::CompanyField,
    contacts::{self, ContactField},
    enrichment, mail, outbox, records, sequences, DbError, Tx,
};
use redkey_types::{EmailAddress, EnrollmentStatus, Source, StopReason};
use uuid::Uuid;

use super::MailboxSettings;

/// Address fragments that are never people.
const MACHINES: [&str; 9] = [
    "no-reply",
    "noreply",
    "donotreply",
    "do-not-reply",
    "mailer-daemon",
    "postmaster",
    "notifications",
    "bounce",
    "newsletter",
];

/// Domains anyone can have an address at: no company is made of them.
const FREEMAIL: [&str; 16] = [
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "yandex.ru",
];

pub fn domain(address: &str) -> &str {
    address.rsplit('@').next().unwrap_or_default()
}

/// Whether `address` may become a contact of this mailbox.
pub fn is_person(address: &str, settings: &MailboxSettings) -> bool {
    let own = settings.address.to_lowercase();
    let local = address.split('@').next().unwrap_or_default();
    address != own
        && domain(address) != domain(&own)
        && !MACHINES.iter().any(|m| local.contains(m))
        && !settings
            .block
            .iter()
            .any(|b| !b.is_empty() && address.contains(&b.to_lowercase()))
}

/// Makes contacts of two-way correspondents; how many were new.
pub async fn contacts(
    tx: &mut Tx,
    source: Uuid,
    settings: &MailboxSettings,
) -> Result<usize, DbError> {
    let mut made = 0;
    for (address, name) in mail::two_way(tx, source).await? {
        if !is_person(&address, settings) {
            continue;
        }
        let Ok(email) = EmailAddress::parse(&address) else {
            continue;
        };
        if contacts::by_email(tx, &email).await?.is_some() {
            continue;
        }
        let (first, last) = split_name(name.as_deref().unwrap_or(""));
        let mut fields = vec![ContactField::FirstName(first), ContactField::LastName(last)];
        if let Some(company) = company_for(tx, domain(&address)).await? {
            fields.push(ContactField::Company(Some(company)));
        }
        contacts::upsert_by_email(tx, &email, fields, Source::Email).await?;
        log_for(tx, &address).await?;
        made += 1;
    }
    Ok(made)
}

/// The company at `domain`, created when there is none; none for freemail.
pub async fn company_for(tx: &mut Tx, domain: &str) -> Result<Option<Uuid>, DbError> {
    if domain.is_empty() || FREEMAIL.contains(&domain) {
        return Ok(None);
    }
    if let Some(c) = enrichment::company_by_domain(tx, domain).await? {
        return Ok(Some(c.id));
    }
    let name = domain.split('.').next().unwrap_or(domain);
    let name = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
    let company: redkey_types::Company = records::create_from(
        tx,
        vec![
            CompanyField::Name(name),
            CompanyField::Domain(Some(domain.to_string())),
        ],
        Source::Email,
    )
    .await?;
    Ok(Some(company.id))
}

pub fn split_name(name: &str) -> (String, String) {
    let name = name.trim().trim_matches('"');
    match name.rsplit_once(' ') {
        Some((first, last)) => (first.trim().to_string(), last.trim().to_string()),
        None => (name.to_string(), String::new()),
    }
}

/// Puts the mail exchanged with `address` on its contact's timeline (once
/// per message), keeps the thread count, and stops the sequence a reply
/// answers.
pub async fn log_for(tx: &mut Tx, address: &str) -> Result<(), DbError> {
    let Ok(email) = EmailAddress::parse(address) else {
        return Ok(());
    };
    let Some(contact) = contacts::by_email(tx, &email).await? else {
        return Ok(());
    };
    let exchanged = mail::with_address(tx, address).await?;
    for m in &exchanged {
        let kind = if m.direction == "in" {
            "email_received"
        } else {
            "email_sent"
        };
        activities::log(
            tx,
            NewActivity {
                kind: kind.into(),
                subject: m.subject.clone(),
                happens_at: Some(m.sent_at),
                contact_id: Some(contact.id),
                company_id: contact.company_id,
                external_key: Some(format!("mail:{}:{}", m.message_id, contact.id)),
                source: Some(Source::Email),
                ..Default::default()
            },
        )
        .await?;
        if m.direction == "in" && !m.automatic {
            stop_if_reply(tx, contact.id, m).await?;
        }
    }
    let threads = mail::thread_count(tx, address).await?;
    records::update(
        tx,
        contact.id,
        vec![ContactField::EmailThreadCount(
            threads.min(i32::MAX as i64) as i32
        )],
    )
    .await?;
    Ok(())
}

/// A message that answers one of our sends, or comes from a contact in a
/// live sequence after it began (to the second: Date headers have no
/// finer), stops that sequence as replied.
async fn stop_if_reply(tx: &mut Tx, contact: Uuid, m: &mail::Exchanged) -> Result<(), DbError> {
    let mut answered = None;
    if let Some(parent) = &m.in_reply_to {
        if let Some(eid) = outbox::send_by_message_id(tx, parent)
            .await?
            .and_then(|s| s.enrollment_id)
        {
            answered = Some(sequences::enrollment(tx, eid).await?);
        }
    }
    if answered.is_none() {
        answered = sequences::enrollments_of_contact(tx, contact)
            .await?
            .into_iter()
            .map(|v| v.enrollment)
            .find(|e| e.status.is_live() && e.created_at.timestamp() <= m.sent_at.timestamp());
    }
    let Some(e) = answered else {
        return Ok(());
    };
    let logged = activities::log(
        tx,
        NewActivity {
            kind: "email_replied".into(),
            subject: m.subject.clone(),
            happens_at: Some(m.sent_at),
            contact_id: Some(contact),
            external_key: Some(format!("reply:{}", m.message_id)),
            source: Some(Source::Email),
            ..Default::default()
        },
    )
    .await?;
    if let Some(a) = &logged {
        crate::arlo::infer::reply_todo(tx, a, contact).await?;
    }
    if e.status.is_live() {
        let reason = Some(StopReason::Replied);
        sequences::set_enrollment_status(tx, e.id, EnrollmentStatus::Replied, reason).await?;
    }
    Ok(())
}

/// An address a delivery report says failed: never emailed again, its
/// sequences stopped as bounced.
pub async fn bounced(tx: &mut Tx, address: &str) -> Result<(), DbError> {
    let Ok(email) = EmailAddress::parse(address) else {
        return Ok(());
    };
    redkey_data::suppressions::suppress(tx, &email, redkey_types::SuppressionReason::Bounced)
        .await?;
    sequences::halt_address(tx, &email, EnrollmentStatus::Stopped, StopReason::Bounced).await?;
    Ok(())
}

/// An automatic answer from a contact in a live sequence that names the
/// day they are back moves the next step past it.
pub async fn hold_until_back(tx: &mut Tx, address: &str, text: &str) -> Result<(), DbError> {
    let Ok(email) = EmailAddress::parse(address) else {
        return Ok(());
    };
    let Some(contact) = contacts::by_email(tx, &email).await? else {
        return Ok(());
    };
    let today = redkey_data::calendar::today(tx, chrono::Utc::now()).await?;
    let Some(back) = crate::email::inbound::return_date(text, today) else {
        return Ok(());
    };
    let at = redkey_data::calendar::nine_am(tx, back + chrono::Duration::days(1)).await?;
    for v in sequences::enrollments_of_contact(tx, contact.id).await? {
        let e = v.enrollment;
        if e.status.is_live() {
            let due = e.next_due_at.map_or(at, |d| d.max(at));
            sequences::record_progress(tx, e.id, e.current_step, Some(due), None, false).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_told_from_machines_and_ourselves() {
        let s = MailboxSettings {
            address: "justin@bezeliq.test".into(),
            block: vec!["@spam.test".into()],
            ..MailboxSettings::default()
        };
        assert!(is_person("ada@lovelace.test", &s));
        assert!(!is_person("justin@bezeliq.test", &s));
        assert!(!is_person("colleague@bezeliq.test", &s));
        assert!(!is_person("no-reply@shop.test", &s));
        assert!(!is_person("x@spam.test", &s));
        assert_eq!(
            split_name("Ada Lovelace"),
            ("Ada".into(), "Lovelace".into())
        );
    }
}
