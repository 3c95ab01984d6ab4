//! Reading a received email the provider announced: its content is
//! fetched (`GET /emails/receiving/{id}`), then it is a reply (logged once
//! per Message-ID, the enrollment stopped as replied, what it says about
//! timing suggested), an automatic reply (never a reply: a return date
//! delays the enrollment's next step past it), or a bounce report (the
//! address suppressed like a provider bounce).

use chrono::{Datelike, Duration, NaiveDate, Utc};
use redkey_data::{
    activities::{self, NewActivity},
    calendar, contacts, outbox, sequences, suppressions, Actor, ClientId, Db, Tx,
};
use redkey_types::{
    kinds::InboundEmail, Enrollment, EnrollmentStatus, StopReason, SuppressionReason,
};
use serde_json::{json, Value};

use super::{resend::Received, EmailService};
use crate::arlo::interpret::MONTHS;
use crate::engine::TaskError;

/// What a received email is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    Reply,
    /// An out-of-office or other automatic answer; back on this day, if it
    /// says.
    AutoReply {
        back: Option<NaiveDate>,
    },
    /// A delivery failure report.
    Bounce,
}

pub fn classify(r: &Received, from: &str, subject: &str, today: NaiveDate) -> Reading {
    let subject = subject.to_lowercase();
    let from = from.to_lowercase();
    let content_type = r.header("content-type").unwrap_or_default().to_lowercase();
    if content_type.starts_with("multipart/report")
        || from.contains("mailer-daemon@")
        || from.contains("postmaster@")
        || [
            "undelivered mail",
            "delivery status notification",
            "mail delivery failed",
        ]
        .iter()
        .any(|s| subject.contains(s))
    {
        return Reading::Bounce;
    }
    let auto_header = r
        .header("auto-submitted")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"))
        || r.header("x-autoreply").is_some()
        || r.header("x-autorespond").is_some()
        || r.header("precedence")
            .is_some_and(|p| p.to_lowercase().contains("auto_reply"));
    let auto_subject = [
        "out of office",
        "out of the office",
        "automatic reply",
        "auto-reply",
        "autoreply",
        "vacation",
    ]
    .iter()
    .any(|s| subject.contains(s));
    if auto_header || auto_subject {
        let text = r.text.clone().unwrap_or_default();
        return Reading::AutoReply {
            back: return_date(&text, today),
        };
    }
    Reading::Reply
}

/// "until 12 January", "back on January 12", "returning 2027-01-12".
pub fn return_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | ';' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    let cue = words.iter().position(|w| {
        matches!(
            *w,
            "until" | "till" | "back" | "return" | "returning" | "returns"
        )
    })?;
    let rest = &words[cue + 1..words.len().min(cue + 6)];
    for (i, w) in rest.iter().enumerate() {
        if let Ok(d) = NaiveDate::parse_from_str(w, "%Y-%m-%d") {
            return Some(d);
        }
        let Some(month) = MONTHS
            .iter()
            .position(|m| w.len() >= 3 && m.starts_with(*w))
        else {
            continue;
        };
        let day_of = |s: &str| {
            s.trim_end_matches(|c: char| c.is_alphabetic())
                .parse::<u32>()
                .ok()
        };
        let day = i
            .checked_sub(1)
            .and_then(|j| day_of(rest[j]))
            .or_else(|| rest.get(i + 1).and_then(|n| day_of(n)))?;
        let this = NaiveDate::from_ymd_opt(today.year(), month as u32 + 1, day)?;
        return Some(if this >= today {
            this
        } else {
            NaiveDate::from_ymd_opt(today.year() + 1, month as u32 + 1, day)?
        });
    }
    None
}

/// Fetches and reads the email, then does what it calls for.
pub async fn read(
    email: &EmailService,
    db: &Db,
    client: ClientId,
    p: &InboundEmail,
) -> Result<Value, TaskError> {
    let mut tx = db.begin(client, Actor::Agent).await?;
    let slug = redkey_data::current_client(&mut tx).await?.slug;
    let today = calendar::today(&mut tx, Utc::now()).await?;
    tx.commit().await?;
    let account = email
        .account(&slug)
        .ok_or_else(|| TaskError::Permanent("email is not configured for this client".into()))?;
    let content = email
        .resend
        .received(&account.api_key, &p.email_id)
        .await
        .map_err(TaskError::Retry)?;
    let subject = content
        .subject
        .clone()
        .or(p.subject.clone())
        .unwrap_or_default();
    let reading = classify(&content, &p.from, &subject, today);
    let mut tx = db.begin(client, Actor::Agent).await?;
    let enrollment = enrollment_of(&mut tx, p, &content).await?;
    let Some(e) = enrollment else {
        tx.commit().await?;
        return Ok(json!({ "reading": format!("{reading:?}"), "matched": false }));
    };
    let did = match reading {
        Reading::Reply => reply(&mut tx, &e, p, &content, &subject).await?,
        Reading::AutoReply { back: Some(day) } => {
            // The next step waits until the person is back.
            let at = calendar::nine_am(&mut tx, day + Duration::days(1)).await?;
            let due = e.next_due_at.map_or(at, |d| d.max(at));
            if e.status.is_live() {
                sequences::record_progress(&mut tx, e.id, e.current_step, Some(due), None, false)
                    .await?;
            }
            format!("automatic reply: next step not before {due}")
        }
        Reading::AutoReply { back: None } => "automatic reply: not a reply".into(),
        Reading::Bounce => {
            let contact: redkey_types::Contact =
                redkey_data::records::get(&mut tx, e.contact_id).await?;
            if let Some(addr) = contact.email_address() {
                suppressions::suppress(&mut tx, &addr, SuppressionReason::Bounced).await?;
            }
            if e.status.is_live() {
                let reason = Some(StopReason::Bounced);
                sequences::set_enrollment_status(&mut tx, e.id, EnrollmentStatus::Stopped, reason)
                    .await?;
            }
            "bounce report: address suppressed".into()
        }
    };
    tx.commit().await?;
    Ok(json!({ "enrollment_id": e.id, "did": did }))
}

/// The enrollment the email answers: the reply-to token's, else the one
/// whose sent message its In-Reply-To (or References) names.
async fn enrollment_of(
    tx: &mut Tx,
    p: &InboundEmail,
    content: &Received,
) -> Result<Option<Enrollment>, TaskError> {
    if let Some(id) = p.enrollment_id {
        return Ok(Some(sequences::enrollment(tx, id).await?));
    }
    let parents = [content.header("in-reply-to"), content.header("references")];
    for id in parents
        .iter()
        .flatten()
        .flat_map(|h| h.split_whitespace().map(String::from).collect::<Vec<_>>())
    {
        let sent = outbox::send_by_message_id(tx, &id).await?;
        if let Some(eid) = sent.and_then(|s| s.enrollment_id) {
            return Ok(Some(sequences::enrollment(tx, eid).await?));
        }
    }
    Ok(None)
}

/// A real reply: logged once per Message-ID (the mailbox path uses the
/// same key), the enrollment stopped, what it says about timing suggested.
async fn reply(
    tx: &mut Tx,
    e: &Enrollment,
    p: &InboundEmail,
    content: &Received,
    subject: &str,
) -> Result<String, TaskError> {
    let key = content
        .message_id
        .clone()
        .or_else(|| content.header("message-id"))
        .unwrap_or_else(|| p.email_id.clone());
    let body: Option<String> = content
        .text
        .as_ref()
        .map(|t| t.chars().take(20_000).collect());
    let logged = activities::log(
        tx,
        NewActivity {
            kind: "email_replied".into(),
            subject: Some(subject.to_string()),
            body,
            contact_id: Some(e.contact_id),
            external_key: Some(format!("reply:{key}")),
            ..Default::default()
        },
    )
    .await?;
    if let Some(a) = &logged {
        crate::arlo::infer::suggest_recontact(tx, a, e.contact_id).await?;
        crate::arlo::infer::reply_todo(tx, a, e.contact_id).await?;
        contacts::bump_email_counters(tx, e.contact_id, 0, 0, Utc::now()).await?;
    }
    if e.status.is_live() {
        let reason = Some(StopReason::Replied);
        sequences::set_enrollment_status(tx, e.id, EnrollmentStatus::Replied, reason).await?;
    }
    Ok("reply: enrollment stopped".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(headers: &[(&str, &str)], text: &str) -> Received {
        Received {
            text: Some(text.into()),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn automatic_replies_and_bounces_are_not_replies() {
        let today = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
        let plain = received(&[], "Sounds good, not before Q3 though.");
        assert_eq!(
            classify(&plain, "ada@x.test", "Re: One", today),
            Reading::Reply
        );
        let ooo = received(
            &[("Auto-Submitted", "auto-replied")],
            "I am out of the office until 12 January with limited access.",
        );
        assert_eq!(
            classify(&ooo, "ada@x.test", "Re: One", today),
            Reading::AutoReply {
                back: NaiveDate::from_ymd_opt(2027, 1, 12)
            }
        );
        let vacation = received(&[], "Back on 2027-02-01.");
        assert_eq!(
            classify(&vacation, "ada@x.test", "Automatic reply: One", today),
            Reading::AutoReply {
                back: NaiveDate::from_ymd_opt(2027, 2, 1)
            }
        );
        let dsn = received(
            &[(
                "Content-Type",
                "multipart/report; report-type=delivery-status",
            )],
            "",
        );
        assert_eq!(
            classify(&dsn, "MAILER-DAEMON@x.test", "Undelivered Mail", today),
            Reading::Bounce
        );
        assert_eq!(
            return_date("back on January 3rd", today),
            NaiveDate::from_ymd_opt(2028, 1, 3)
        );
        assert_eq!(return_date("I will reply soon", today), None);
    }
}
