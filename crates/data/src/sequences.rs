//! Sequences and enrollments: definitions written from the cockpit, the
//! enrollment's life (enroll, pause, stop, progress), and what is due.
//! The outbox is in `outbox`, suppressions and provider events in
//! `suppressions`.

use chrono::{DateTime, NaiveTime, Utc};

use uuid::Uuid;

use super::{suppressions::suppression, DbError, Result, Tx};
use redkey_types::{
    Contact, EmailAddress, Enrollment, EnrollmentStatus, EnrollmentView, Sequence, SequenceMetrics,
    SequenceStatus, Step, StopReason,
};

const SEQ_COLUMNS: &str = "id, client_id, name, steps, status, window_start, window_end, \
    weekdays, time_zone, created_at, updated_at, personalised";
const ENR_COLUMNS: &str = "id, client_id, sequence_id, contact_id, current_step, next_due_at, \
    status, stop_reason, reply_token, first_message_id, last_sent_at, created_at, updated_at";

/// A sequence as written from the cockpit.
#[derive(Clone, Debug)]
pub struct SequenceInput {
    pub name: String,
    pub steps: Vec<Step>,
    pub window_start: NaiveTime,
    pub window_end: NaiveTime,
    pub weekdays: Vec<i32>,
    pub time_zone: String,
    pub personalised: bool,
}

pub async fn create(tx: &mut Tx, s: &SequenceInput) -> Result<Sequence> {
    check_time_zone(tx, &s.time_zone).await?;
    Ok(sqlx::query_as(&format!(
        "INSERT INTO crm_sequences (name, steps, window_start, window_end, weekdays, time_zone, \
                                    personalised) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {SEQ_COLUMNS}"
    ))
    .bind(&s.name)
    .bind(sqlx::types::Json(&s.steps))
    .bind(s.window_start)
    .bind(s.window_end)
    .bind(&s.weekdays)
    .bind(&s.time_zone)
    .bind(s.personalised)
    .fetch_one(tx.conn())
    .await?)
}

pub async fn update(tx: &mut Tx, id: Uuid, s: &SequenceInput) -> Result<Sequence> {
    check_time_zone(tx, &s.time_zone).await?;
    Ok(sqlx::query_as(&format!(
        "UPDATE crm_sequences SET name = $2, steps = $3, window_start = $4, window_end = $5, \
                weekdays = $6, time_zone = $7, personalised = $8 WHERE id = $1 \
         RETURNING {SEQ_COLUMNS}"
    ))
    .bind(id)
    .bind(&s.name)
    .bind(sqlx::types::Json(&s.steps))
    .bind(s.window_start)
    .bind(s.window_end)
    .bind(&s.weekdays)
    .bind(&s.time_zone)
    .bind(s.personalised)
    .fetch_one(tx.conn())
    .await?)
}

async fn check_time_zone(tx: &mut Tx, tz: &str) -> Result<()> {
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
            .bind(tz)
            .fetch_one(tx.conn())
            .await?;
    if known {
        Ok(())
    } else {
        Err(DbError::Invalid(format!(
            "{tz:?} is not a time zone (try Europe/Berlin)"
        )))
    }
}

pub async fn set_status(tx: &mut Tx, id: Uuid, status: SequenceStatus) -> Result<()> {
    sqlx::query("UPDATE crm_sequences SET status = $2 WHERE id = $1 RETURNING id")
        .bind(id)
        .bind(status)
        .fetch_one(tx.conn())
        .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, id: Uuid) -> Result<Sequence> {
    Ok(sqlx::query_as(&format!(
        "SELECT {SEQ_COLUMNS} FROM crm_sequences WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(tx.conn())
    .await?)
}

/// Every sequence with its funnel counts, read from the counts the
/// triggers keep (one row per sequence and measure), not from the sends
/// and events themselves.
pub async fn metrics(tx: &mut Tx) -> Result<Vec<SequenceMetrics>> {
    let measure =
        |m: &str| format!("coalesce(sum(c.n) FILTER (WHERE c.measure = '{m}'), 0)::bigint AS {m}");
    let counts = [
        "enrolled",
        "active",
        "sent",
        "opened",
        "clicked",
        "replied",
        "bounced",
        "unsubscribed",
    ]
    .map(measure)
    .join(", ");
    Ok(sqlx::query_as(&format!(
        "SELECT q.id, q.name, q.status, jsonb_array_length(q.steps) AS steps, {counts} \
         FROM crm_sequences q LEFT JOIN crm_sequence_counts c ON c.sequence_id = q.id \
         GROUP BY q.id, q.name, q.status, q.steps ORDER BY q.name, q.id"
    ))
    .fetch_all(tx.conn())
    .await?)
}

/// Enrolls a contact, or says why not. The first send is scheduled by
/// arlo (the schedule is operational), so `next_due_at` starts empty.
pub async fn enroll(tx: &mut Tx, sequence: Uuid, contact: Uuid) -> Result<Enrollment> {
    let seq = get(tx, sequence).await?;
    if seq.steps.is_empty() {
        return Err(DbError::Invalid("the sequence has no steps yet".into()));
    }
    let c = super::records::get::<Contact>(tx, contact).await?;
    let Some(email) = c.email_address() else {
        return Err(DbError::Invalid("the contact has no email address".into()));
    };
    if let Some(reason) = suppression(tx, &email).await? {
        return Err(DbError::Invalid(format!("{email} is {reason}")));
    }
    Ok(sqlx::query_as(&format!(
        "INSERT INTO crm_sequence_contacts (sequence_id, contact_id, status) \
         VALUES ($1, $2, 'active') RETURNING {ENR_COLUMNS}"
    ))
    .bind(sequence)
    .bind(contact)
    .fetch_one(tx.conn())
    .await?)
}

/// Enrolls each contact it can, each behind its own savepoint so one
/// refusal does not undo the others; returns every contact's outcome.
pub async fn enroll_each(
    tx: &mut Tx,
    sequence: Uuid,
    contacts: &[Uuid],
) -> Result<Vec<(Uuid, Result<Enrollment>)>> {
    let mut out = Vec::with_capacity(contacts.len());
    for &contact in contacts {
        sqlx::query("SAVEPOINT enroll").execute(tx.conn()).await?;
        let result = enroll(tx, sequence, contact).await;
        let undo = if result.is_ok() {
            "RELEASE SAVEPOINT enroll"
        } else {
            "ROLLBACK TO SAVEPOINT enroll"
        };
        sqlx::query(undo).execute(tx.conn()).await?;
        out.push((contact, result));
    }
    Ok(out)
}

/// Sets an enrollment's status (pause, resume, stop) with a reason.
pub async fn set_enrollment_status(
    tx: &mut Tx,
    id: Uuid,
    status: EnrollmentStatus,
    reason: Option<StopReason>,
) -> Result<Enrollment> {
    Ok(sqlx::query_as(&format!(
        "UPDATE crm_sequence_contacts SET status = $2, stop_reason = $3 WHERE id = $1 \
         RETURNING {ENR_COLUMNS}"
    ))
    .bind(id)
    .bind(status)
    .bind(reason)
    .fetch_one(tx.conn())
    .await?)
}

pub async fn enrollment(tx: &mut Tx, id: Uuid) -> Result<Enrollment> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ENR_COLUMNS} FROM crm_sequence_contacts WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(tx.conn())
    .await?)
}

pub async fn enrollment_by_token(tx: &mut Tx, token: &str) -> Result<Option<Enrollment>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ENR_COLUMNS} FROM crm_sequence_contacts WHERE reply_token = $1"
    ))
    .bind(token)
    .fetch_optional(tx.conn())
    .await?)
}

pub async fn enrollments_of_contact(tx: &mut Tx, contact: Uuid) -> Result<Vec<EnrollmentView>> {
    // One statement: the sequence's name and length come with each
    // enrollment, not from every sequence read whole beside them.
    Ok(sqlx::query(&format!(
        "SELECT e.*, coalesce(s.name, '') AS sequence_name, \
                coalesce(jsonb_array_length(s.steps), 0) AS step_count \
         FROM (SELECT {ENR_COLUMNS} FROM crm_sequence_contacts WHERE contact_id = $1) e \
         LEFT JOIN crm_sequences s ON s.id = e.sequence_id \
         ORDER BY e.created_at DESC"
    ))
    .bind(contact)
    .try_map(|row: sqlx::postgres::PgRow| {
        use sqlx::{FromRow, Row};
        Ok(EnrollmentView {
            enrollment: Enrollment::from_row(&row)?,
            sequence_name: row.try_get("sequence_name")?,
            steps: row.try_get("step_count")?,
        })
    })
    .fetch_all(tx.conn())
    .await?)
}

/// Every sequence's id and name, for a choice of sequence.
pub async fn names(tx: &mut Tx) -> Result<Vec<(Uuid, String)>> {
    Ok(
        sqlx::query_as("SELECT id, name FROM crm_sequences ORDER BY name, id")
            .fetch_all(tx.conn())
            .await?,
    )
}

/// Takes the client's sequence-run lock for this transaction; false when
/// another run holds it.
pub async fn try_lock_run(tx: &mut Tx) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT pg_try_advisory_xact_lock(hashtextextended('sequence-run:' || $1, 0))",
    )
    .bind(tx.client().0.to_string())
    .fetch_one(tx.conn())
    .await?)
}

/// Active enrollments of active sequences that are due at `now` or have
/// no schedule yet, locked for this transaction; rows another worker
/// holds are skipped.
pub async fn due(tx: &mut Tx, now: DateTime<Utc>, limit: i64) -> Result<Vec<Enrollment>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ENR_COLUMNS} FROM crm_sequence_contacts e \
         WHERE e.status = 'active' AND (e.next_due_at IS NULL OR e.next_due_at <= $1) \
           AND EXISTS (SELECT 1 FROM crm_sequences s WHERE s.id = e.sequence_id AND s.status = 'active') \
         ORDER BY e.next_due_at NULLS FIRST, e.id LIMIT $2 FOR UPDATE SKIP LOCKED"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// When step `step` is due after `from`, inside the sequence's window.
pub async fn next_send_at(
    tx: &mut Tx,
    seq: &Sequence,
    step: &Step,
    from: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    Ok(
        sqlx::query_scalar("SELECT crm_next_send_at($1, $2, $3, $4, $5, $6, $7)")
            .bind(from)
            .bind(step.delay_days)
            .bind(step.business_days)
            .bind(seq.window_start)
            .bind(seq.window_end)
            .bind(&seq.weekdays)
            .bind(&seq.time_zone)
            .fetch_one(tx.conn())
            .await?,
    )
}

/// Arlo's side of an enrollment: moves it to `current_step` (due at
/// `next_due_at`), noting when it last sent, and completes it after its
/// last step.
pub async fn record_progress(
    tx: &mut Tx,
    id: Uuid,
    current_step: i32,
    next_due_at: Option<DateTime<Utc>>,
    sent_at: Option<DateTime<Utc>>,
    complete: bool,
) -> Result<()> {
    // Status is an identity column: the person pauses and stops, arlo
    // records completion.
    sqlx::query(
        "UPDATE crm_sequence_contacts SET current_step = $2, next_due_at = $3, \
                last_sent_at = coalesce($4, last_sent_at), \
                status = CASE WHEN $5 THEN 'complete' ELSE status END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(current_step)
    .bind(next_due_at)
    .bind(sent_at)
    .bind(complete)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn set_first_message_id(tx: &mut Tx, id: Uuid, message_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE crm_sequence_contacts SET first_message_id = $2 \
         WHERE id = $1 AND first_message_id IS NULL",
    )
    .bind(id)
    .bind(message_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Stops (or pauses) every active enrollment of an address.
pub async fn halt_address(
    tx: &mut Tx,
    email: &EmailAddress,
    status: EnrollmentStatus,
    reason: StopReason,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE crm_sequence_contacts e SET status = $2, stop_reason = $3 \
         FROM crm_contacts c WHERE c.id = e.contact_id AND lower(c.email) = lower($1) \
           AND e.status IN ('active', 'paused')",
    )
    .bind(email.as_str())
    .bind(status)
    .bind(reason)
    .execute(tx.conn())
    .await?
    .rows_affected())
}
