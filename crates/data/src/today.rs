//! The Today page's reads: the visit, the replies since it, and the
//! charts' numbers, each one aggregate statement in the client's time
//! zone (never rows loaded to be counted here).

use chrono::{DateTime, Utc};

use super::{Result, Tx};
use redkey_types::{MonthClosed, MonthForecast, ReplyLine, WeekActivity};

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
/// probability: the six months from the one `now` is in. Summed per stage
/// and month first (from an index of close dates), then weighted.
pub async fn forecast(tx: &mut Tx, now: DateTime<Utc>) -> Result<Vec<MonthForecast>> {
    Ok(sqlx::query_as(
        "WITH first AS ( \
           SELECT date_trunc('month', $1 AT TIME ZONE time_zone)::date AS m FROM crm_client_schedule), \
         months AS ( \
           SELECT generate_series(m, m + interval '5 months', interval '1 month')::date AS month \
           FROM first), \
         by_stage AS ( \
           SELECT date_trunc('month', d.close_date::timestamp)::date AS month, d.stage_id, \
                  count(*) AS deals, sum(d.amount_micros::numeric) AS micros \
           FROM crm_deals d, first \
           WHERE d.close_date >= first.m AND d.close_date < (first.m + interval '6 months')::date \
           GROUP BY 1, 2), \
         open AS ( \
           SELECT s.month, s.deals, coalesce(s.micros, 0) * p.probability / 100 AS weighted \
           FROM by_stage s JOIN crm_pipeline p ON p.stage_id = s.stage_id \
           WHERE NOT p.is_won AND NOT p.is_lost) \
         SELECT months.month, coalesce(sum(open.deals), 0)::bigint AS deals, \
                coalesce(round(sum(open.weighted) / 1000000), 0)::bigint AS weighted_units \
         FROM months LEFT JOIN open ON open.month = months.month \
         GROUP BY months.month ORDER BY months.month",
    )
    .bind(now)
    .fetch_all(tx.conn())
    .await?)
}

/// Deals that entered a won or a lost stage, by month, over the twelve
/// months to the one `now` is in: from the audit trail of stage moves, so
/// a deal reopened later still counts where it was decided.
pub async fn closed(tx: &mut Tx, now: DateTime<Utc>) -> Result<Vec<MonthClosed>> {
    Ok(sqlx::query_as(
        "WITH first AS ( \
           SELECT date_trunc('month', $1 AT TIME ZONE time_zone)::date - interval '11 months' AS m, \
                  time_zone FROM crm_client_schedule), \
         months AS ( \
           SELECT generate_series(m, m + interval '11 months', interval '1 month')::date AS month \
           FROM first), \
         moves AS ( \
           SELECT date_trunc('month', f.changed_at AT TIME ZONE first.time_zone)::date AS month, \
                  p.is_won, coalesce(d.amount_micros, 0)::numeric AS micros \
           FROM crm_field_changes f \
           JOIN crm_pipeline p ON p.stage_id::text = f.new_value #>> '{}' \
           JOIN crm_deals d ON d.id = f.row_id, first \
           WHERE f.view_name = 'crm_deals' AND f.column_name = 'stage_id' \
             AND (p.is_won OR p.is_lost) \
             AND f.changed_at >= first.m AT TIME ZONE first.time_zone) \
         SELECT months.month, \
                count(*) FILTER (WHERE moves.is_won) AS won, \
                count(*) FILTER (WHERE NOT moves.is_won) AS lost, \
                coalesce(round(sum(moves.micros) FILTER (WHERE moves.is_won) / 1000000), 0)::bigint \
                  AS won_units, \
                coalesce(round(sum(moves.micros) FILTER (WHERE NOT moves.is_won) / 1000000), 0)::bigint \
                  AS lost_units \
         FROM months LEFT JOIN moves ON moves.month = months.month \
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
