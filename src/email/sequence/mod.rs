//! The sequence step: sends every due step of one client's enrollments.
//!
//! No lost or doubled email: the rendered request is stored (one row per
//! enrollment and step) and committed before the first attempt, every
//! attempt sends those exact bytes under the same Idempotency-Key, and the
//! enrollment advances only from the step the send belongs to. A crash
//! between Resend's 200 and our commit re-sends the stored request, which
//! Resend answers from its idempotency cache without mailing anyone.

mod delivery;
mod drafts;
mod request;

use chrono::{DateTime, Utc};
use redkey_data::{
    self as db,
    activities::{self, NewActivity},
    contacts,
    outbox::{self, EmailSend},
    sending, sequences, suppressions, Actor, ClientId, Db, DbError, Tx,
};
use redkey_types::{Enrollment, EnrollmentStatus, SendStatus, Sequence, Step, StopReason};
use serde_json::json;

use super::EmailService;
use crate::config::EmailAccount;
use redkey_data::records;
use redkey_types::{Company, Contact};

/// Most steps one run sends; the next tick carries on.
const PER_RUN: usize = 200;
/// Resend keeps idempotency keys 24 hours: an unresolved send older than
/// this goes to review instead of being re-sent blindly.
const REVIEW_AFTER: chrono::Duration = chrono::Duration::hours(23);
/// 429s in a row before a run gives up until the next tick.
const MAX_RATE_LIMITED: u32 = 8;

#[derive(Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub sent: u32,
    pub scheduled: u32,
    pub stopped: u32,
    pub deferred: u32,
    pub review: u32,
    pub rate_limited: u32,
    pub note: Option<String>,
    /// Set when a quota ran out during this run.
    pub paused_until: Option<DateTime<Utc>>,
    /// Sending stopped during this run (a quota, or the account refused).
    pub sending_paused: bool,
    /// Another run for this client held the run lock: this one did nothing.
    pub skipped: bool,
}

/// Sends what is due for `client` at `now` (tests pass simulated time).
pub async fn run_due(
    email: &EmailService,
    db: &Db,
    client: ClientId,
    now: DateTime<Utc>,
) -> Result<Report, DbError> {
    // One run per client at a time, across instances: the daily cap and
    // the warm-up are counted once per run, so two runs at once could
    // together pass them. The lock lives as long as this transaction; it
    // is released at once when the run ends (a crash releases it too).
    let mut run_lock = db.begin(client, Actor::Agent).await?;
    if !sequences::try_lock_run(&mut run_lock).await? {
        return Ok(Report {
            skipped: true,
            note: Some("another run for this client is under way".into()),
            ..Report::default()
        });
    }
    let report = run_locked(email, db, client, now).await;
    run_lock.rollback().await?;
    report
}

/// The run itself, under the client's run lock.
async fn run_locked(
    email: &EmailService,
    db: &Db,
    client: ClientId,
    now: DateTime<Utc>,
) -> Result<Report, DbError> {
    let mut report = Report::default();
    let mut tx = db.begin(client, Actor::Agent).await?;
    let slug = db::current_client(&mut tx).await?.slug;
    let Some(account) = email.account(&slug) else {
        report.note = Some("email sending is not configured for this client".into());
        return Ok(report);
    };
    if let Some(pause) = sending::paused(&mut tx, now).await? {
        report.note = Some(match pause.until {
            Some(until) => format!("sending paused until {until}: {}", pause.reason),
            None => format!("sending paused until someone resumes it: {}", pause.reason),
        });
        return Ok(report);
    }
    // Counted once per run; each send below spends one.
    let mut left_today = sends_left_today(account, &mut tx, now).await?;
    drop(tx);
    // What the founder chose to send goes first.
    let go_on = drafts::send_released(
        email,
        db,
        client,
        account,
        now,
        &mut left_today,
        &mut report,
    )
    .await?;
    if !go_on {
        return Ok(report);
    }
    for _ in 0..PER_RUN {
        let mut tx = db.begin(client, Actor::Agent).await?;
        let Some(e) = sequences::due(&mut tx, now, 1).await?.pop() else {
            break;
        };
        let prepared =
            match prepare(email, account, &mut tx, &e, now, left_today, &mut report).await {
                Ok(p) => p,
                // A lost connection or the like: the next tick tries again.
                Err(err @ DbError::Sql(_)) => return Err(err),
                // This enrollment's own data is the trouble: stop it, say why,
                // and go on with the others.
                Err(err) => {
                    tx.rollback().await?;
                    set_aside(db, client, &e, &err).await?;
                    report.stopped += 1;
                    continue;
                }
            };
        match prepared {
            Prepared::Done => tx.commit().await?,
            Prepared::CapReached => {
                report.note = Some("daily sending cap reached".into());
                break;
            }
            Prepared::Send(boxed) => {
                let (send, seq) = *boxed;
                tx.commit().await?;
                match delivery::deliver(email, db, client, account, &send, &mut report).await {
                    Ok(provider_id) => {
                        failpoint("after_send_before_commit").await;
                        let mut tx = db.begin(client, Actor::Agent).await?;
                        record_sent(&mut tx, &e, &seq, &send, &provider_id, now).await?;
                        tx.commit().await?;
                        report.sent += 1;
                        left_today -= 1;
                    }
                    Err(err) => {
                        let mut tx = db.begin(client, Actor::Agent).await?;
                        let stop = delivery::handle_failure(
                            &mut tx,
                            Some(&e),
                            &send,
                            err,
                            now,
                            &mut report,
                        )
                        .await?;
                        tx.commit().await?;
                        if stop {
                            break;
                        }
                    }
                }
            }
        }
    }
    Ok(report)
}

/// Stops an enrollment that could not be prepared, in a transaction of its
/// own (the one that failed is gone), with the reason.
async fn set_aside(
    db: &Db,
    client: ClientId,
    e: &Enrollment,
    err: &DbError,
) -> Result<(), DbError> {
    let reason = match err {
        DbError::NotFound => why_not_found(db, client, e).await?,
        _ => StopReason::Unpreparable,
    };
    tracing::warn!(enrollment = %e.id, error = %err, reason = reason.as_str(), "enrollment set aside");
    let mut tx = db.begin(client, Actor::Agent).await?;
    sequences::set_enrollment_status(&mut tx, e.id, EnrollmentStatus::Stopped, Some(reason))
        .await?;
    tx.commit().await
}

/// Which record went missing under an enrollment: its contact, or the
/// contact's company.
async fn why_not_found(db: &Db, client: ClientId, e: &Enrollment) -> Result<StopReason, DbError> {
    let mut tx = db.begin(client, Actor::Agent).await?;
    Ok(match records::get::<Contact>(&mut tx, e.contact_id).await {
        Err(DbError::NotFound) => StopReason::ContactArchived,
        Ok(c) if c.company_id.is_some() => StopReason::CompanyArchived,
        _ => StopReason::Unpreparable,
    })
}

enum Prepared {
    /// Nothing to send now (scheduled, stopped, completed): commit.
    Done,
    CapReached,
    /// The outbox row to send, stored in this transaction.
    Send(Box<(EmailSend, Sequence)>),
}

#[allow(clippy::too_many_arguments)]
async fn prepare(
    email: &EmailService,
    account: &EmailAccount,
    tx: &mut Tx,
    e: &Enrollment,
    now: DateTime<Utc>,
    left_today: i64,
    report: &mut Report,
) -> Result<Prepared, DbError> {
    let seq = sequences::get(tx, e.sequence_id).await?;
    let Some(step) = seq.steps.get(e.current_step as usize).cloned() else {
        sequences::record_progress(tx, e.id, e.current_step, None, None, true).await?;
        return Ok(Prepared::Done);
    };
    if e.next_due_at.is_none() {
        // Newly enrolled: arlo schedules the first step.
        let at = sequences::next_send_at(tx, &seq, &step, now).await?;
        sequences::record_progress(tx, e.id, e.current_step, Some(at), None, false).await?;
        report.scheduled += 1;
        return Ok(Prepared::Done);
    }
    // Only inside the window (a resumed enrollment may be due outside it).
    let in_window = sequences::next_send_at(tx, &seq, &immediate(), now).await?;
    if in_window > now {
        sequences::record_progress(tx, e.id, e.current_step, Some(in_window), None, false).await?;
        report.deferred += 1;
        return Ok(Prepared::Done);
    }
    let contact = records::get::<Contact>(tx, e.contact_id).await?;
    let Some(to) = contact.email_address() else {
        let reason = Some(StopReason::NoEmailAddress);
        sequences::set_enrollment_status(tx, e.id, EnrollmentStatus::Stopped, reason).await?;
        report.stopped += 1;
        return Ok(Prepared::Done);
    };
    // Checked at send time, not only at enrollment.
    if let Some(reason) = suppressions::suppression(tx, &to).await? {
        let reason = Some(reason.into());
        sequences::set_enrollment_status(tx, e.id, EnrollmentStatus::Stopped, reason).await?;
        report.stopped += 1;
        return Ok(Prepared::Done);
    }
    let send = match outbox::send_of(tx, e.id, e.current_step).await? {
        Some(s) => s,
        None => {
            if left_today <= 0 {
                return Ok(Prepared::CapReached);
            }
            let company = match contact.company_id {
                Some(c) => Some(records::get::<Company>(tx, c).await?),
                None => None,
            };
            let (key, body) = request::compose(
                email,
                account,
                tx,
                e,
                &step,
                &contact,
                &to,
                company.as_ref(),
                seq.personalised,
            )
            .await?;
            outbox::create_send(tx, e.id, e.current_step, e.contact_id, &to, &key, &body).await?
        }
    };
    match send.status {
        SendStatus::Sent => {
            // Sent and recorded, but the enrollment did not move on.
            let provider_id = send.provider_id.clone().unwrap_or_default();
            record_sent(tx, e, &seq, &send, &provider_id, now).await?;
            Ok(Prepared::Done)
        }
        // Resend's key cache expires in real time, whatever `now` says,
        // and counts from the first attempt that reached it: a send only
        // ever held back is sent normally however old it is.
        SendStatus::Pending if review_due(&send, Utc::now()) => {
            outbox::mark_send(
                tx,
                send.id,
                SendStatus::Review,
                None,
                Some("outcome unknown for 23 h"),
                None,
                false,
            )
            .await?;
            needs_review(tx, e).await?;
            report.review += 1;
            Ok(Prepared::Done)
        }
        SendStatus::Pending => Ok(Prepared::Send(Box::new((send, seq)))),
        // A sequence's send is never a draft; were one found, a person decides.
        SendStatus::Failed | SendStatus::Review | SendStatus::Dropped | SendStatus::Draft => {
            needs_review(tx, e).await?;
            report.review += 1;
            Ok(Prepared::Done)
        }
    }
}

/// A pending send goes to review 23 h after its first attempt reached the
/// provider, unless a person released it ("send again") and the provider
/// still knows its key (24 h).
fn review_due(send: &EmailSend, now: DateTime<Utc>) -> bool {
    let Some(first) = send.first_attempt_at else {
        return false;
    };
    let kept = chrono::Duration::hours(redkey_types::KEY_KEPT_HOURS);
    match send.released_at {
        Some(_) => now - first > kept,
        None => now - first > REVIEW_AFTER,
    }
}

async fn needs_review(tx: &mut Tx, e: &Enrollment) -> Result<(), DbError> {
    let reason = Some(StopReason::NeedsReview);
    sequences::set_enrollment_status(tx, e.id, EnrollmentStatus::Paused, reason).await?;
    Ok(())
}

/// A zero-day step: "now, or the window's next opening".
fn immediate() -> Step {
    Step {
        delay_days: 0,
        business_days: false,
        subject: String::new(),
        body: String::new(),
        intent: None,
    }
}

/// Today's cap (with the warm-up) minus what went out today.
async fn sends_left_today(
    account: &EmailAccount,
    tx: &mut Tx,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let day_start = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    let today = outbox::sent_since(tx, day_start).await?;
    let first = outbox::first_send_at(tx).await?;
    let days = first.map(|f| (now - f).num_days()).unwrap_or(0);
    Ok(super::daily_cap(account, days) - today)
}

async fn record_sent(
    tx: &mut Tx,
    e: &Enrollment,
    seq: &Sequence,
    send: &EmailSend,
    provider_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    record_delivery(tx, send, provider_id, now).await?;
    // Advance only from the step this send belongs to: a second recording
    // of the same send changes nothing.
    let current = sequences::enrollment(tx, e.id).await?;
    let Some(step) = send.step.filter(|s| *s == current.current_step) else {
        return Ok(());
    };
    contacts::record_sequence_send(tx, e.contact_id, step, e.created_at, now).await?;
    if step == 0 {
        contacts::bump_email_counters(tx, e.contact_id, 0, 1, now).await?;
    }
    let next = step + 1;
    match seq.steps.get(next as usize) {
        Some(step) => {
            let at = sequences::next_send_at(tx, seq, step, now).await?;
            sequences::record_progress(tx, e.id, next, Some(at), Some(now), false).await?;
        }
        None => sequences::record_progress(tx, e.id, next, None, Some(now), true).await?,
    }
    Ok(())
}

/// Marks the send sent and logs it on the contact's timeline, once.
async fn record_delivery(
    tx: &mut Tx,
    send: &EmailSend,
    provider_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    if send.status != SendStatus::Sent {
        let id = Some(provider_id);
        outbox::mark_send(tx, send.id, SendStatus::Sent, id, None, Some(now), true).await?;
    }
    let subject = serde_json::from_str::<serde_json::Value>(&send.request)
        .ok()
        .and_then(|b| b["subject"].as_str().map(String::from));
    activities::log(
        tx,
        NewActivity {
            kind: "email_sent".into(),
            subject,
            contact_id: Some(send.contact_id),
            external_key: Some(format!("send:{}", send.id)),
            properties: Some(json!({ "provider_id": provider_id, "step": send.step })),
            happens_at: Some(now),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// Test-only crash injection: with `REDKEY_FAILPOINT=<name>` the run
/// stops at that point for good and says so on stderr, holding what it
/// holds, so a test can SIGKILL the process exactly there.
async fn failpoint(name: &str) {
    if std::env::var("REDKEY_FAILPOINT").as_deref() == Ok(name) {
        eprintln!("failpoint {name} reached");
        std::future::pending::<()>().await;
    }
}
