//! Resend's webhook events, applied once per `svix-id`: the event row and
//! its effects commit together, so a replay changes nothing.

use chrono::{DateTime, Utc};
use redkey_data::{
    activities::{self, NewActivity},
    contacts,
    outbox::{self, EmailSend},
    sequences, suppressions,
    tasks::{self, NewTask},
    Actor, ClientId, Db, DbError, Tx,
};
use redkey_types::kinds::{InboundEmail, TaskPayload};
use redkey_types::{EmailAddress, EnrollmentStatus, StopReason, SuppressionReason};
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Debug, PartialEq, Eq)]
pub enum Handled {
    /// This svix-id was recorded before: nothing changed.
    Duplicate,
    /// About one of our sends whose outcome we have not recorded yet (the
    /// webhook outran our commit): nothing stored, so the provider's retry
    /// applies it.
    NotYet,
    /// Recorded; the string says what it did.
    Applied(&'static str),
}

pub async fn handle(
    db: &Db,
    client: ClientId,
    svix_id: &str,
    event: &Value,
    now: DateTime<Utc>,
) -> Result<Handled, DbError> {
    let kind = event["type"].as_str().unwrap_or_default();
    let data = &event["data"];
    let mut tx = db.begin(client, Actor::Agent).await?;
    if !suppressions::record_event(&mut tx, svix_id, kind, event).await? {
        return Ok(Handled::Duplicate);
    }
    let send = match data["email_id"].as_str() {
        Some(id) if kind != "email.received" => outbox::send_by_provider_id(&mut tx, id).await?,
        _ => None,
    };
    if send.is_none() && data["tags"]["enrollment"].is_string() {
        return Ok(Handled::NotYet);
    }
    let to = data["to"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .and_then(|a| EmailAddress::parse(a).ok())
        .or_else(|| send.as_ref().map(|s| s.to_email.clone()));
    let contact = contact_of(&mut tx, send.as_ref(), to.as_ref()).await?;
    let key = format!("svix:{svix_id}");
    let what = match kind {
        "email.sent" => {
            if let (Some(s), Some(mid)) = (&send, data["message_id"].as_str()) {
                outbox::set_send_message_id(&mut tx, s.id, mid).await?;
                if let (Some(0), Some(enrollment)) = (s.step, s.enrollment_id) {
                    sequences::set_first_message_id(&mut tx, enrollment, mid).await?;
                }
            }
            "message id kept for threading"
        }
        "email.opened" => {
            if let Some(c) = contact {
                log(&mut tx, "email_opened", c, data, &key, now, json!({})).await?;
                contacts::bump_email_counters(&mut tx, c, 1, 0, now).await?;
            }
            "open logged"
        }
        "email.clicked" => {
            if let Some(c) = contact {
                let link = json!({ "link": data["click"]["link"] });
                log(&mut tx, "email_clicked", c, data, &key, now, link).await?;
                contacts::bump_email_counters(&mut tx, c, 0, 0, now).await?;
            }
            "click logged"
        }
        "email.bounced" => {
            let permanent = data["bounce"]["type"].as_str() == Some("Permanent");
            if let Some(c) = contact {
                let detail = json!({ "bounce": data["bounce"] });
                log(&mut tx, "email_bounced", c, data, &key, now, detail).await?;
            }
            if let (true, Some(addr)) = (permanent, &to) {
                suppressions::suppress(&mut tx, addr, SuppressionReason::Bounced).await?;
                let (paused, why) = (EnrollmentStatus::Paused, StopReason::Bounced);
                sequences::halt_address(&mut tx, addr, paused, why).await?;
                "permanent bounce: address undeliverable, enrollments paused"
            } else {
                "temporary bounce logged"
            }
        }
        "email.complained" => {
            if let Some(addr) = &to {
                suppressions::suppress(&mut tx, addr, SuppressionReason::Complained).await?;
                let (stopped, why) = (EnrollmentStatus::Stopped, StopReason::Complained);
                sequences::halt_address(&mut tx, addr, stopped, why).await?;
            }
            "complaint: unsubscribed"
        }
        "email.received" => received(&mut tx, data).await?,
        _ => "ignored",
    };
    tx.commit().await?;
    Ok(Handled::Applied(what))
}

async fn contact_of(
    tx: &mut Tx,
    send: Option<&EmailSend>,
    to: Option<&EmailAddress>,
) -> Result<Option<Uuid>, DbError> {
    if let Some(s) = send {
        return Ok(Some(s.contact_id));
    }
    match to {
        Some(addr) => Ok(contacts::by_email(tx, addr).await?.map(|c| c.id)),
        None => Ok(None),
    }
}

async fn log(
    tx: &mut Tx,
    kind: &str,
    contact: Uuid,
    data: &Value,
    key: &str,
    now: DateTime<Utc>,
    properties: Value,
) -> Result<(), DbError> {
    activities::log(
        tx,
        NewActivity {
            kind: kind.into(),
            subject: data["subject"].as_str().map(String::from),
            contact_id: Some(contact),
            external_key: Some(key.to_string()),
            properties: Some(properties),
            happens_at: Some(now),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// Inbound mail: kept, matched to an enrollment by the reply-to token when
/// it has one, and queued for a task that fetches its content and decides
/// what it is (`email::inbound`).
async fn received(tx: &mut Tx, data: &Value) -> Result<&'static str, DbError> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let to = strings(&data["to"]);
    let mut enrollment = None;
    for addr in &to {
        if let Some(token) = reply_token(addr) {
            enrollment = sequences::enrollment_by_token(tx, token).await?;
            if enrollment.is_some() {
                break;
            }
        }
    }
    if enrollment.is_none() {
        if let Some(parent) = data["headers"]["in-reply-to"].as_str() {
            let sent = outbox::send_by_message_id(tx, parent).await?;
            if let Some(id) = sent.and_then(|s| s.enrollment_id) {
                enrollment = Some(sequences::enrollment(tx, id).await?);
            }
        }
    }
    let from = data["from"].as_str().unwrap_or_default();
    suppressions::record_inbound(
        tx,
        data["email_id"].as_str(),
        from,
        &to,
        data["subject"].as_str(),
        data["message_id"].as_str(),
        enrollment.as_ref().map(|e| e.id),
    )
    .await?;
    // Reading it takes its content, which the event does not carry: a
    // task fetches it and decides (a reply, an automatic one, a bounce).
    let payload = TaskPayload::EmailInbound(InboundEmail {
        email_id: data["email_id"]
            .as_str()
            .unwrap_or(from)
            .chars()
            .take(200)
            .collect(),
        enrollment_id: enrollment.as_ref().map(|e| e.id),
        from: from.to_string(),
        subject: data["subject"].as_str().map(String::from),
    });
    let mut task = NewTask::typed("roles.crm", &payload, "engine:inbound".into());
    let key: String = data["email_id"]
        .as_str()
        .unwrap_or(from)
        .chars()
        .take(150)
        .collect();
    task.dedupe_key = Some(format!("inbound:{key}"));
    tasks::enqueue(tx, &task).await?;
    Ok("inbound mail kept and queued for reading")
}

/// `reply+<token>@domain` (optionally "Name <...>") -> token.
fn reply_token(addr: &str) -> Option<&str> {
    let addr = addr.rsplit('<').next()?.trim_end_matches('>');
    let local = addr.split('@').next()?;
    local.strip_prefix("reply+").filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reply_tokens_come_out_of_addresses() {
        assert_eq!(super::reply_token("reply+abc123@in.x.test"), Some("abc123"));
        assert_eq!(super::reply_token("Ann <reply+t0k@in.x.test>"), Some("t0k"));
        assert_eq!(super::reply_token("ann@x.test"), None);
        assert_eq!(super::reply_token("reply+@x.test"), None);
    }
}
