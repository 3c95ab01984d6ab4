//! The Today page: what needs the founder now, and the numbers behind
//! "how are we doing", each an aggregate the database computes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Activity, Attention, RecordHit, SequenceMetrics, Stage, Suggestion, TodoItem};

/// How many items each list shows before "all".
pub const TODAY_LIST: usize = 10;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Today {
    /// Arlo's suggestions waiting for a yes or no, newest first.
    pub suggestions: Vec<Suggestion>,
    /// Replies since the last visit (or the last week, on a first visit).
    pub replies: Vec<ReplyLine>,
    pub replies_since: DateTime<Utc>,
    /// Meetings from the start of today to the end of tomorrow, in the
    /// client's time zone, soonest first.
    pub meetings: Vec<Activity>,
    /// Contacts and deals to get back to by the end of today.
    pub recontacts: Vec<RecordHit>,
    /// Open deals needing attention by the health rule, stalest first.
    pub attention: Vec<Attention>,
    /// Open to-dos due by the end of today, mine or nobody's.
    pub todos: Vec<TodoItem>,
}

/// Today as the page receives it: the lists, which the browser hydrates,
/// and the charts, drawn by the server. The charts hold nothing to act on,
/// so the browser needs neither their numbers nor the code that draws
/// them (BENCHMARKS.md, session 41).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TodayPage {
    pub today: Today,
    /// "How we are doing": SVG charts with their tables, as HTML.
    pub charts_html: crate::ServerHtml,
}

/// A reply to a sequence's email: who, which sequence, a line of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ReplyLine {
    pub activity_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub who: String,
    pub sequence: Option<String>,
    pub line: String,
    pub happens_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TodayCharts {
    /// Open stages of every pipeline, with their totals now.
    pub stages: Vec<Stage>,
    /// The next six months, from this one.
    pub forecast: Vec<MonthForecast>,
    /// The last twelve months, to this one.
    pub closed: Vec<MonthClosed>,
    /// The last twelve weeks, to this one.
    pub weeks: Vec<WeekActivity>,
    /// Active sequences.
    pub funnels: Vec<SequenceMetrics>,
}

/// Open deals expected to close in a month, weighted by stage probability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MonthForecast {
    pub month: NaiveDate,
    pub deals: i64,
    pub weighted_units: i64,
}

/// Deals that entered a won or a lost stage in a month (by the audit
/// trail), with their values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MonthClosed {
    pub month: NaiveDate,
    pub won: i64,
    pub lost: i64,
    pub won_units: i64,
    pub lost_units: i64,
}

impl MonthClosed {
    /// Won out of decided, in whole percent; none without a decision.
    pub fn win_rate(&self) -> Option<i64> {
        let decided = self.won + self.lost;
        (decided > 0).then(|| (self.won * 100 + decided / 2) / decided)
    }
}

/// Emails sent, replies and meetings in the week starting `week`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WeekActivity {
    pub week: NaiveDate,
    pub sent: i64,
    pub replies: i64,
    pub meetings: i64,
}
