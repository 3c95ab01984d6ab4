//! The client's calendar: days and hours in its schedule's time zone
//! (`crm_client_schedule`, UTC unless set).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::{Result, Tx};

/// The start of the client's day containing `now`, in its schedule's time
/// zone: budgets are per client day.
pub async fn day_start(tx: &mut Tx, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar(
        "SELECT date_trunc('day', $1 AT TIME ZONE time_zone) AT TIME ZONE time_zone \
         FROM crm_client_schedule",
    )
    .bind(now)
    .fetch_one(tx.conn())
    .await?)
}

/// The client's today, in its schedule's time zone.
pub async fn today(tx: &mut Tx, now: DateTime<Utc>) -> Result<NaiveDate> {
    Ok(
        sqlx::query_scalar("SELECT ($1 AT TIME ZONE time_zone)::date FROM crm_client_schedule")
            .bind(now)
            .fetch_one(tx.conn())
            .await?,
    )
}

/// `day` at 09:00 in the client's time zone: when a recontact is due.
pub async fn nine_am(tx: &mut Tx, day: NaiveDate) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar(
        "SELECT ($1::date + time '09:00') AT TIME ZONE time_zone FROM crm_client_schedule",
    )
    .bind(day)
    .fetch_one(tx.conn())
    .await?)
}

/// The start of the client's month containing `now`: monthly budgets.
pub async fn month_start(tx: &mut Tx, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar(
        "SELECT date_trunc('month', $1 AT TIME ZONE time_zone) AT TIME ZONE time_zone \
         FROM crm_client_schedule",
    )
    .bind(now)
    .fetch_one(tx.conn())
    .await?)
}

/// The end of `day` in the client's time zone: a to-do due that day is
/// overdue from the next.
pub async fn end_of_day(tx: &mut Tx, day: NaiveDate) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar(
        "SELECT ($1::date + time '23:59:59') AT TIME ZONE time_zone FROM crm_client_schedule",
    )
    .bind(day)
    .fetch_one(tx.conn())
    .await?)
}

/// A wall-clock time in the client's time zone (as a form's
/// `datetime-local` gives it), as an instant.
pub async fn local(tx: &mut Tx, at: NaiveDateTime) -> Result<DateTime<Utc>> {
    Ok(
        sqlx::query_scalar("SELECT $1::timestamp AT TIME ZONE time_zone FROM crm_client_schedule")
            .bind(at)
            .fetch_one(tx.conn())
            .await?,
    )
}
