//! Putting a stored request on the wire at the client's pace, and what a
//! failed attempt means for the outbox row and the enrollment.

use std::time::Duration;

use chrono::{DateTime, Utc};
use redkey_data::{
    outbox::{self, EmailSend},
    sending, sequences, Actor, ClientId, Db, DbError, Tx,
};
use redkey_types::{Enrollment, EnrollmentStatus, SendStatus, StopReason};

use super::{Report, MAX_RATE_LIMITED};
use crate::{
    config::EmailAccount,
    email::{resend::SendError, EmailService},
    engine::TaskError,
    integrations,
};
use redkey_data::api_library::Configured;

/// Sends the stored bytes; 429s wait and try again, up to a point.
pub(super) async fn deliver(
    email: &EmailService,
    db: &Db,
    client: ClientId,
    account: &EmailAccount,
    send: &EmailSend,
    report: &mut Report,
) -> Result<String, SendError> {
    let secret_ref = format!("the {} account's key ([email] accounts)", account.client);
    let to = integrations::endpoint(
        db,
        client,
        email.secrets.as_ref(),
        &Configured {
            provider: "resend",
            name: "email",
            base_url: email.resend.base(),
            secret_ref: &secret_ref,
            rate_per_minute: Some((email.settings.rate_per_second * 60.0).round() as i32),
        },
        Some(&account.api_key),
    )
    .await
    .map_err(|e| match e {
        TaskError::Permanent(why) => SendError::Account(why),
        TaskError::Retry(why) => SendError::Transient {
            why,
            went_out: false,
        },
    })?;
    let resend = email.resend.at(&to.base_url);
    let per_second = to
        .rate_per_minute
        .map_or(email.settings.rate_per_second, |r| f64::from(r) / 60.0);
    let key = to.key.unwrap_or_else(|| account.api_key.clone());
    let mut limited = 0;
    let sent = loop {
        pace(per_second, db, client).await?;
        match resend
            .send(&key, &send.idempotency_key, &send.request)
            .await
        {
            Err(SendError::RateLimited(wait)) if limited < MAX_RATE_LIMITED => {
                limited += 1;
                report.rate_limited += 1;
                tokio::time::sleep(wait.min(Duration::from_secs(60))).await;
            }
            other => break other,
        }
    };
    // A message refused as it is still found the API working.
    let outcome = match &sent {
        Ok(_) | Err(SendError::Rejected(_)) => Ok(()),
        Err(e) => Err(format!("{e:?}")),
    };
    integrations::report(db, client, to.id, outcome).await;
    sent
}

/// Waits for the client's next request slot: the rate (as configured, or
/// as set on Settings → Integrations) holds for the client's Resend
/// account across every instance.
async fn pace(per_second: f64, db: &Db, client: ClientId) -> Result<(), SendError> {
    let gap = 1.0 / per_second.max(0.001);
    let slot = async {
        let mut tx = db.begin(client, Actor::Agent).await?;
        let (_, wait) = sending::take_slot(&mut tx, gap).await?;
        tx.commit().await?;
        Ok::<_, DbError>(wait)
    };
    let wait = slot.await.map_err(|e| SendError::Transient {
        why: format!("cannot take a send slot: {e}"),
        went_out: false,
    })?;
    if wait > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
    }
    Ok(())
}

/// Records a failed attempt. True when the run should stop here.
#[allow(clippy::too_many_arguments)]
pub(super) async fn handle_failure(
    tx: &mut Tx,
    e: Option<&Enrollment>,
    send: &EmailSend,
    err: SendError,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<bool, DbError> {
    // Only a request that reached the provider with an unknown outcome
    // starts the review clock; refusals and held-back sends did not leave.
    async fn mark(
        tx: &mut Tx,
        send: &EmailSend,
        status: SendStatus,
        why: &str,
        went_out: bool,
    ) -> Result<(), DbError> {
        outbox::mark_send(tx, send.id, status, None, Some(why), None, went_out).await
    }
    match err {
        SendError::Rejected(why) => {
            // The send row keeps the provider's words; the enrollment says
            // it was refused. A person may send it again once the cause is
            // fixed.
            mark(tx, send, SendStatus::Failed, &why, false).await?;
            if let Some(e) = e {
                let reason = Some(StopReason::Rejected);
                sequences::set_enrollment_status(tx, e.id, EnrollmentStatus::Stopped, reason)
                    .await?;
            }
            report.stopped += 1;
            Ok(false)
        }
        SendError::Account(why) => {
            // Not this message: the account. Every row stays as it was and
            // sending waits for a person to resume it.
            sending::pause(tx, None, &format!("Resend refused the account: {why}")).await?;
            report.sending_paused = true;
            report.note = Some(format!(
                "Resend refused the account ({why}); sending paused until someone resumes it"
            ));
            Ok(true)
        }
        SendError::Quota(why) => {
            mark(tx, send, SendStatus::Pending, &why, false).await?;
            let tomorrow = (now + chrono::Duration::days(1))
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc();
            sending::pause(tx, Some(tomorrow), &format!("Resend quota exceeded: {why}")).await?;
            report.paused_until = Some(tomorrow);
            report.sending_paused = true;
            report.note = Some(format!(
                "Resend quota exceeded; sending paused until {tomorrow}"
            ));
            Ok(true)
        }
        SendError::Transient { why, went_out } => {
            report.note = Some(format!("will retry: {why}"));
            mark(tx, send, SendStatus::Pending, &why, went_out).await?;
            Ok(true)
        }
        SendError::RateLimited(_) => {
            mark(tx, send, SendStatus::Pending, "rate limited", false).await?;
            report.note = Some("rate limited; will retry on the next tick".into());
            Ok(true)
        }
    }
}
