//! The Today page: what needs the founder now, and how the client is doing.

use leptos::prelude::*;

use crate::model::{AppError, Today};

/// Everything on Today for the current client, in one transaction that
/// also records the visit ("since your last visit" starts at the one
/// before).
#[server]
pub async fn load_today() -> Result<Today, AppError> {
    use crate::model::{SequenceStatus, TodayCharts, TODAY_LIST};
    use crate::ssr::{
        db::{activities, agenda, calendar, deals, pipeline, sequences, suggestions, today, todos},
        session::human_tx,
    };
    use chrono::{Duration, Utc};

    let (mut tx, _) = human_tx().await?;
    let now = Utc::now();
    let list = TODAY_LIST as i64;
    let since = today::visit(&mut tx)
        .await?
        .unwrap_or(now - Duration::days(7));
    let day = calendar::day_start(&mut tx, now).await?;
    let tonight = day + Duration::days(1);

    let stages = pipeline::stages(&mut tx).await?;
    // The health rule per pipeline, read from its index; the stalest first.
    let mut attention = vec![];
    for (pipeline, _) in crate::model::pipelines_of(&stages) {
        attention.extend(deals::needs_attention_first(&mut tx, now, pipeline, list as i32).await?);
    }
    attention.sort_by_key(|a| std::cmp::Reverse(a.idle_days));
    attention.truncate(TODAY_LIST);

    let me = todos::my_member_id(&mut tx).await?;
    let filter = me.map_or(todos::Filter::All, todos::Filter::MineOrUnassigned);
    let mut due = todos::list(&mut tx, filter, false, list).await?;
    due.retain(|t| t.todo.due_at.is_some_and(|at| at < tonight));

    let funnels = sequences::metrics(&mut tx)
        .await?
        .into_iter()
        .filter(|s| s.status == SequenceStatus::Active)
        .collect();
    let charts = TodayCharts {
        forecast: today::forecast(&mut tx, now).await?,
        closed: today::closed(&mut tx, now).await?,
        weeks: today::weeks(&mut tx, now).await?,
        funnels,
        stages: stages
            .into_iter()
            .filter(|s| !s.is_won && !s.is_lost)
            .collect(),
    };
    let out = Today {
        suggestions: suggestions::open(&mut tx, list).await?,
        replies: today::replies_since(&mut tx, since, list).await?,
        replies_since: since,
        meetings: activities::between(&mut tx, "meeting", day, day + Duration::days(2), list)
            .await?,
        recontacts: agenda::recontacts_until(&mut tx, tonight, TODAY_LIST as u16).await?,
        attention,
        todos: due,
        charts,
    };
    tx.commit().await?;
    Ok(out)
}
