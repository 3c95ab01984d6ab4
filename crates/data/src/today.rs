//! The Today page's reads: the whole page in one transaction, and its own
//! statements (the visit, the replies since it, and the charts' numbers,
//! each one aggregate statement in the client's time zone, never rows
//! loaded to be counted here).

use chrono::{DateTime, Duration, Utc};

use super::{activities, agenda, calendar, deals, pipeline, sequences, suggestions, todos};
use super::{Result, Tx};
use redkey_types::{
    pipelines_of, MonthClosed, MonthForecast, ReplyLine, SequenceStatus, Today, TodayCharts,
    WeekActivity, TODAY_LIST,
};

/// Everything on Today for the transaction's client and person, as of
/// `now`: its lists and its charts' numbers; records the visit ("since
/// your last visit" starts at the one before). The page and the HTTP
/// benchmark's SQL column both read it here.
pub async fn load(tx: &mut Tx, now: DateTime<Utc>) -> Result<(Today, TodayCharts)> {
    let list = TODAY_LIST as i64;
    let since = visit(tx).await?.unwrap_or(now - Duration::days(7));
    let day = calendar::day_start(tx, now).await?;
    let tonight = day + Duration::days(1);

    let stages = pipeline::stages(tx).await?;
    // The health rule per pipeline, read from its index; the stalest first.
    let mut attention = vec![];
    for (pipeline, _) in pipelines_of(&stages) {
        attention.extend(deals::needs_attention_first(tx, now, pipeline, list as i32).await?);
    }
    attention.sort_by_key(|a| std::cmp::Reverse(a.idle_days));
    attention.truncate(TODAY_LIST);

    let me = todos::my_member_id(tx).await?;
    let filter = me.map_or(todos::Filter::All, todos::Filter::MineOrUnassigned);
    let mut due = todos::list(tx, filter, false, list).await?;
    due.retain(|t| t.todo.due_at.is_some_and(|at| at < tonight));

    let funnels = sequences::metrics(tx)
        .await?
        .into_iter()
        .filter(|s| s.status == SequenceStatus::Active)
        .collect();
    let charts = TodayCharts {
        forecast: forecast(tx, now).await?,
        closed: closed(tx, now).await?,
        weeks: weeks(tx, now).await?,
        funnels,
        stages: stages
            .into_iter()
            .filter(|s| !s.is_won && !s.is_lost)
            .collect(),
    };
    let today = Today {
        suggestions: suggestions::open(tx, list).await?,
        replies: replies_since(tx, since, list).await?,
        replies_since: since,
        meetings: activities::between(tx, "meeting", day, day + Duration::days(2), list).await?,
        recontacts: agenda::recontacts_until(tx, tonight, TODAY_LIST as u16).await?,
        attention,
        todos: due,
    };
    Ok((today, charts))
}

/// Records a load of Today by the transaction's person; where "since your
/// last visit" starts (none on their first).
pub async fn visit(tx: &mut Tx) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar("SELECT crm_visit_today()")
        .fetch_one(tx.conn())
        .await?)
}

/// Replies to sequence emails after `since`, newest first: who, the
/// sequence they replied to, the reply's first line.
pub async fn replies_since(
    tx: &mut Tx,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ReplyLine>> {
    Ok(sqlx::query_as(
        "SELECT a.id AS activity_id, a.contact_id, \
                coalesce(nullif(btrim(c.first_name || ' ' || c.last_name), ''), c.email, \
                         'Someone') AS who, \
                (SELECT q.name FROM crm_sequence_contacts e \
                 JOIN crm_sequences q ON q.id = e.sequence_id \
                 WHERE e.contact_id = a.contact_id \
                 ORDER BY e.status = 'replied' DESC, e.updated_at DESC LIMIT 1) AS sequence, \
                left(coalesce(nullif(btrim(split_part(coalesce(a.body, ''), E'\\n', 1)), ''), \
                              a.subject, ''), 160) AS line, \
                a.happens_at \
         FROM crm_activities a LEFT JOIN crm_contacts c ON c.id = a.contact_id \
         WHERE a.kind = 'email_replied' AND a.happens_at > $1 \
         ORDER BY a.happens_at DESC, a.id DESC LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// Open deals by expected close month, weighted by their stage's
/// probability: the six months from the one `now` is in. From the counts
/// kept per stage and close month (at most six rows per stage).
pub async fn forecast(tx: &mut Tx, now: DateTime<Utc>) -> Result<Vec<MonthForecast>> {
    Ok(sqlx::query_as(
        "WITH first AS ( \
           SELECT date_trunc('month', $1 AT TIME ZONE time_zone)::date AS m FROM crm_client_schedule), \
         months AS ( \
           SELECT generate_series(m, m + interval '5 months', interval '1 month')::date AS month \
           FROM first), \
         open AS ( \
           SELECT t.month, t.deal_count AS deals, t.amount_micros * p.probability / 100 AS weighted \
           FROM crm_close_months t JOIN crm_pipeline p ON p.stage_id = t.stage_id, first \
           WHERE NOT p.is_won AND NOT p.is_lost \
             AND t.month >= first.m AND t.month < (first.m + interval '6 months')::date) \
         SELECT months.month, coalesce(sum(open.deals), 0)::bigint AS deals, \
                coalesce(round(sum(open.weighted) / 1000000), 0)::bigint AS weighted_units \
         FROM months LEFT JOIN open ON open.month = months.month \
         GROUP BY months.month ORDER BY months.month",
    )
    .bind(now)
    .fetch_all(tx.conn())
    .await?)
}

/// Deals now won or lost, by the month they entered that stage (their
/// last stage move, as the audit trail has it), over the twelve months to
/// the one `now` is in, valued at their amount: from the counts kept per
/// month and outcome (at most 24 rows), so a deal moved back and forth
/// counts once.
pub async fn closed(tx: &mut Tx, now: DateTime<Utc>) -> Result<Vec<MonthClosed>> {
    Ok(sqlx::query_as(
        "WITH first AS ( \
           SELECT date_trunc('month', $1 AT TIME ZONE time_zone)::date - interval '11 months' AS m \
           FROM crm_client_schedule), \
         months AS ( \
           SELECT generate_series(m, m + interval '11 months', interval '1 month')::date AS month \
           FROM first) \
         SELECT months.month, \
                coalesce(sum(o.deals) FILTER (WHERE o.is_won), 0)::bigint AS won, \
                coalesce(sum(o.deals) FILTER (WHERE NOT o.is_won), 0)::bigint AS lost, \
                round(coalesce(sum(o.amount_micros) FILTER (WHERE o.is_won), 0) / 1000000)::bigint \
                  AS won_units, \
                round(coalesce(sum(o.amount_micros) FILTER (WHERE NOT o.is_won), 0) / 1000000)::bigint \
                  AS lost_units \
         FROM months LEFT JOIN crm_outcome_months o ON o.month = months.month \
         GROUP BY months.month ORDER BY months.month",
    )
    .bind(now)
    .fetch_all(tx.conn())
    .await?)
}

/// Emails sent, replies and meetings per week (weeks start on Monday)
/// over the twelve weeks to the one `now` is in, from the per-day counts
/// kept in the client's time zone (at most 84 days of three kinds read).
pub async fn weeks(tx: &mut Tx, now: DateTime<Utc>) -> Result<Vec<WeekActivity>> {
    Ok(sqlx::query_as(
        "WITH first AS ( \
           SELECT date_trunc('week', $1 AT TIME ZONE time_zone)::date - 77 AS w \
           FROM crm_client_schedule), \
         weeks AS ( \
           SELECT generate_series(w::timestamp, (w + 77)::timestamp, interval '7 days')::date AS week \
           FROM first), \
         days AS ( \
           SELECT date_trunc('week', d.day)::date AS week, d.kind, d.activities \
           FROM crm_activity_days d, first \
           WHERE d.kind IN ('email_sent', 'email_replied', 'meeting') \
             AND d.day >= first.w AND d.day < first.w + 84) \
         SELECT weeks.week, \
                coalesce(sum(days.activities) FILTER (WHERE days.kind = 'email_sent'), 0)::bigint AS sent, \
                coalesce(sum(days.activities) FILTER (WHERE days.kind = 'email_replied'), 0)::bigint \
                  AS replies, \
                coalesce(sum(days.activities) FILTER (WHERE days.kind = 'meeting'), 0)::bigint \
                  AS meetings \
         FROM weeks LEFT JOIN days ON days.week = weeks.week \
         GROUP BY weeks.week ORDER BY weeks.week",
    )
    .bind(now)
    .fetch_all(tx.conn())
    .await?)
}
