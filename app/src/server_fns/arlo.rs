//! The Arlo page: what the engine is doing for the current client.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, ArloOverview};

#[server]
pub async fn load_arlo() -> Result<ArloOverview, AppError> {
    use crate::model::{Schedule, TimerView, TIMERS};
    use crate::ssr::{
        cockpit,
        db::{agent_calls, calendar, tasks, usage},
        session::human_read,
    };

    let (mut tx, _) = human_read().await?;
    let ticks = tasks::last_ticks(&mut tx).await?;
    let daily = tasks::next_daily_run(&mut tx).await?;
    let now = chrono::Utc::now();
    let day = calendar::day_start(&mut tx, now).await?;
    let tokens_today = usage::since(&mut tx, day).await?;
    let timers = TIMERS
        .iter()
        .map(|t| TimerView {
            kind: t.kind.into(),
            schedule: t.schedule.describe(),
            last_tick: ticks.iter().find(|(k, _)| k == t.kind).map(|(_, at)| *at),
            next_run: match t.schedule {
                Schedule::Every(p) => Schedule::slot_of(p, now) + chrono::Duration::seconds(p),
                Schedule::DailyPerClient => daily,
            },
        })
        .collect();
    Ok(ArloOverview {
        depth: tasks::depth(&mut tx).await?,
        runs: tasks::recent_runs(&mut tx, 25).await?,
        failed: tasks::failed(&mut tx, 25).await?,
        timers,
        messages: tasks::latest_messages(&mut tx, 15).await?,
        engines: tasks::engines(&mut tx).await?,
        agent_calls: agent_calls::recent(&mut tx, 20).await?,
        tokens_today,
        daily_tokens: cockpit::config().and_then(|c| c.daily_tokens),
    })
}

/// Queues a failed task again from its first attempt.
#[server]
pub async fn retry_task(id: Uuid) -> Result<(), AppError> {
    use crate::ssr::{db::tasks, session::human_tx};
    let (mut tx, _) = human_tx().await?;
    tasks::retry(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Runs a timer's task now. It shares the timer's dedupe key, so while
/// one is queued or running, asking again changes nothing.
#[server]
pub async fn run_timer_now(kind: String) -> Result<(), AppError> {
    use crate::model::{
        kinds::{TaskPayload, Tick},
        TIMERS,
    };
    use crate::ssr::{
        db::tasks::{self, NewTask},
        session::human_tx,
    };
    let timer = TIMERS
        .iter()
        .find(|t| t.kind == kind)
        .ok_or_else(|| AppError::invalid("kind", "not a timer"))?;
    let (mut tx, me) = human_tx().await?;
    let tick = Tick {
        run_now: true,
        slot: None,
    };
    let payload = TaskPayload::timer(timer.kind, tick)
        .ok_or_else(|| AppError::invalid("kind", "not a timer"))?;
    let mut task = NewTask::typed(timer.topic, &payload, format!("user:{}", me.user));
    task.dedupe_key = Some(format!("timer:{}", timer.kind));
    tasks::enqueue(&mut tx, &task).await?;
    tx.commit().await?;
    Ok(())
}
