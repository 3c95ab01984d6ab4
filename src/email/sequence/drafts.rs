//! Emails arlo drafted and the founder sent: stored in the outbox as
//! drafts, released by a person, then sent here like any step — the stored
//! bytes under their key, suppression checked at send time, the daily cap
//! spent — and logged on the contact's timeline.

use chrono::{DateTime, Utc};
use redkey_data::{outbox, suppressions, Actor, ClientId, Db, DbError};
use redkey_types::SendStatus;

use super::{delivery, record_delivery, review_due, Report, PER_RUN};
use crate::{config::EmailAccount, email::EmailService};

/// Sends the released drafts; false when the run should stop (the cap, a
/// pause, the provider's trouble).
pub(super) async fn send_released(
    email: &EmailService,
    db: &Db,
    client: ClientId,
    account: &EmailAccount,
    now: DateTime<Utc>,
    left_today: &mut i64,
    report: &mut Report,
) -> Result<bool, DbError> {
    for _ in 0..PER_RUN {
        let mut tx = db.begin(client, Actor::Agent).await?;
        let Some(send) = outbox::next_released_draft(&mut tx).await? else {
            return Ok(true);
        };
        if let Some(reason) = suppressions::suppression(&mut tx, &send.to_email).await? {
            let why = format!("not sent: the address is suppressed ({})", reason.as_str());
            outbox::mark_send(
                &mut tx,
                send.id,
                SendStatus::Dropped,
                None,
                Some(&why),
                None,
                false,
            )
            .await?;
            tx.commit().await?;
            report.stopped += 1;
            continue;
        }
        if review_due(&send, Utc::now()) {
            let why = Some("outcome unknown for 23 h");
            outbox::mark_send(&mut tx, send.id, SendStatus::Review, None, why, None, false).await?;
            tx.commit().await?;
            report.review += 1;
            continue;
        }
        if *left_today <= 0 {
            report.note = Some("daily sending cap reached".into());
            return Ok(false);
        }
        tx.commit().await?;
        match delivery::deliver(email, db, client, account, &send, report).await {
            Ok(provider_id) => {
                let mut tx = db.begin(client, Actor::Agent).await?;
                record_delivery(&mut tx, &send, &provider_id, now).await?;
                tx.commit().await?;
                report.sent += 1;
                *left_today -= 1;
            }
            Err(err) => {
                let mut tx = db.begin(client, Actor::Agent).await?;
                let stop = delivery::handle_failure(&mut tx, None, &send, err, now, report).await?;
                tx.commit().await?;
                if stop {
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}
