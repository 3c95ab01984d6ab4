//! What is due: the contacts and deals whose recontact date falls before a
//! time (overdue ones included), soonest first.

use chrono::{DateTime, Utc};

use super::{Result, Tx};
use redkey_types::RecordHit;

/// Contacts and deals to get back to by `until`; the detail is the day.
/// Each kind is walked in its recontact order only as far as the list
/// goes. `limit` is the caller's constant, written into the statement:
/// with it as a parameter, the plan Postgres would keep sorts a third of
/// both tables, so it planned the statement afresh on every load.
pub async fn recontacts_until(
    tx: &mut Tx,
    until: DateTime<Utc>,
    limit: u16,
) -> Result<Vec<RecordHit>> {
    Ok(sqlx::query_as(&format!(
        "SELECT kind, id, label, detail, 1::real AS score FROM ( \
           (SELECT 'contact' AS kind, c.id, btrim(c.first_name || ' ' || c.last_name) AS label, \
                   to_char(c.recontact_at AT TIME ZONE s.time_zone, 'YYYY-MM-DD') AS detail, \
                   c.recontact_at AS at \
            FROM crm_contacts c, crm_client_schedule s WHERE c.recontact_at <= $1 \
            ORDER BY c.recontact_at, label LIMIT {limit}) \
           UNION ALL \
           (SELECT 'deal', d.id, d.name, \
                   to_char(d.recontact_at AT TIME ZONE s.time_zone, 'YYYY-MM-DD'), d.recontact_at \
            FROM crm_deals d, crm_client_schedule s WHERE d.recontact_at <= $1 \
            ORDER BY d.recontact_at, d.name LIMIT {limit}) \
         ) due ORDER BY at, label LIMIT {limit}",
    ))
    .bind(until)
    .fetch_all(tx.conn())
    .await?)
}
