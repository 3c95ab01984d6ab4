//! The client's sending as a whole, shared by every instance: the pace of
//! requests to its provider account, and pauses (until a time, or until a
//! person resumes).

use chrono::{DateTime, Utc};

use super::{Result, Tx};
use redkey_types::SendingPause;

/// Takes the client's next Resend request slot, `gap_secs` after the one
/// taken before it by any instance. Returns the slot and how long to wait
/// for it, both by the database's clock. The row lock serialises takers
/// until commit: keep the transaction short.
pub async fn take_slot(tx: &mut Tx, gap_secs: f64) -> Result<(DateTime<Utc>, f64)> {
    loop {
        let taken: Option<(DateTime<Utc>, f64)> = sqlx::query_as(
            "UPDATE crm_email_pace \
             SET next_slot = greatest(next_slot, clock_timestamp()) + make_interval(secs => $1) \
             RETURNING next_slot - make_interval(secs => $1), \
               extract(epoch FROM next_slot - make_interval(secs => $1) - clock_timestamp())::float8",
        )
        .bind(gap_secs)
        .fetch_optional(tx.conn())
        .await?;
        if let Some(taken) = taken {
            return Ok(taken);
        }
        // The client's first send: start the row (another instance may
        // race to it; then the update above takes the next slot).
        let started: Option<DateTime<Utc>> = sqlx::query_scalar(
            "INSERT INTO crm_email_pace (next_slot) \
             VALUES (clock_timestamp() + make_interval(secs => $1)) ON CONFLICT DO NOTHING \
             RETURNING next_slot - make_interval(secs => $1)",
        )
        .bind(gap_secs)
        .fetch_optional(tx.conn())
        .await?;
        if let Some(slot) = started {
            return Ok((slot, 0.0));
        }
    }
}

/// Stops the client's sending until `until` (none: until a person
/// resumes it), for every instance.
pub async fn pause(tx: &mut Tx, until: Option<DateTime<Utc>>, reason: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO crm_email_pauses (paused_until, reason) \
         VALUES (coalesce($1, 'infinity'::timestamptz), $2)",
    )
    .bind(until)
    .bind(reason)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The pause in force at `now`, if any: the latest end (none: until a
/// person resumes) and its reason.
pub async fn paused(tx: &mut Tx, now: DateTime<Utc>) -> Result<Option<SendingPause>> {
    let row: Option<(Option<DateTime<Utc>>, String)> = sqlx::query_as(
        "SELECT CASE WHEN paused_until = 'infinity' THEN NULL ELSE paused_until END, reason \
         FROM crm_email_pauses WHERE paused_until > $1 \
         ORDER BY paused_until DESC LIMIT 1",
    )
    .bind(now)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(|(until, reason)| SendingPause { until, reason }))
}

/// A person resumes the client's sending; returns how many pauses ended.
pub async fn resume(tx: &mut Tx) -> Result<i32> {
    Ok(sqlx::query_scalar("SELECT crm_resume_sending()")
        .fetch_one(tx.conn())
        .await?)
}
