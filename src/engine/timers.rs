//! Timers: each tick of each timer for each client becomes one task, keyed
//! by (kind, client, slot start) in `timer_ticks`, so any number of
//! instances create it once, even one that checks late.

use chrono::{DateTime, Utc};
use redkey_data::{engine, Db, DbError};
use redkey_types::{Schedule, TIMERS};

pub async fn fire(
    db: &Db,
    now: DateTime<Utc>,
    scope: Option<&[uuid::Uuid]>,
) -> Result<usize, DbError> {
    let mut created = 0;
    let clients = engine::clients(db, now).await?;
    let served = clients
        .into_iter()
        .filter(|c| scope.is_none_or(|s| s.contains(&c.client_id)));
    for client in served {
        for timer in TIMERS {
            let slot = match timer.schedule {
                Schedule::Every(period) => Schedule::slot_of(period, now),
                Schedule::DailyPerClient => client.daily_slot,
            };
            if engine::tick(db, timer.kind, timer.topic, client.client_id, slot)
                .await?
                .is_some()
            {
                created += 1;
            }
        }
    }
    Ok(created)
}
