//! Timelines one page at a time: a record's activities and audited
//! changes, or the client's whole activity feed, newest first.
//!
//! Each page reads at most one more row of each kind than it shows, by the
//! record's index, so a record with years of mail costs what its first
//! page costs; the older pages are reached by a cursor (`?before=`), as
//! links that work without JavaScript.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use sqlx::{Encode, Postgres, QueryBuilder, Type};
use uuid::Uuid;

use super::{conditions::and_bind, Result, Tx};
use redkey_types::{CursorEntry, FieldChange, RecordKind, Timeline, TimelineCursor, TimelineEntry};

/// Entries a timeline page shows.
pub const PAGE: i64 = 50;

/// What a timeline line needs of an activity (not its body or links).
#[derive(sqlx::FromRow)]
struct ActivityLine {
    id: Uuid,
    kind: String,
    subject: Option<String>,
    happens_at: DateTime<Utc>,
    attendees: Vec<String>,
}

const ACTIVITY_LINE: &str = "SELECT id, kind, subject, happens_at, \
    ARRAY(SELECT jsonb_array_elements_text(CASE jsonb_typeof(properties -> 'attendees') \
          WHEN 'array' THEN properties -> 'attendees' ELSE '[]' END)) AS attendees \
    FROM crm_activities WHERE ";

enum Item {
    Activity(ActivityLine),
    Change(FieldChange),
}

impl Item {
    fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Activity(a) => a.happens_at,
            Self::Change(c) => c.changed_at,
        }
    }

    fn cursor(&self) -> TimelineCursor {
        let last = match self {
            Self::Activity(a) => CursorEntry::Activity(a.id),
            Self::Change(c) => CursorEntry::Change(c.id),
        };
        TimelineCursor {
            at: self.at(),
            last,
        }
    }

    /// The order of `TimelineCursor`: newest first, activities before
    /// changes at one instant, then by id, descending.
    fn order(&self, other: &Self) -> Ordering {
        other
            .at()
            .cmp(&self.at())
            .then_with(|| match (self, other) {
                (Self::Activity(a), Self::Activity(b)) => b.id.cmp(&a.id),
                (Self::Change(a), Self::Change(b)) => b.id.cmp(&a.id),
                (Self::Activity(_), Self::Change(_)) => Ordering::Less,
                (Self::Change(_), Self::Activity(_)) => Ordering::Greater,
            })
    }

    fn entry(self) -> TimelineEntry {
        let at = self.at();
        let text = match self {
            Self::Activity(a) => format!(
                "{}{}{}",
                a.kind.replace('_', " "),
                a.subject.map(|s| format!(": {s}")).unwrap_or_default(),
                if a.attendees.is_empty() {
                    String::new()
                } else {
                    format!(" (with {})", a.attendees.join(", "))
                }
            ),
            Self::Change(c) => describe_change(&c),
        };
        TimelineEntry { at, text }
    }
}

fn describe_change(c: &FieldChange) -> String {
    let who = match (c.acting_role.as_str(), c.on_behalf_of, &c.instruction) {
        ("redkey_agent", _, _) => "arlo".to_string(),
        ("twenty", _, _) => "Twenty".to_string(),
        (_, Some(_), Some(sentence)) => format!("arlo, on your instruction “{sentence}”"),
        (_, Some(_), None) => "arlo, on your instruction".to_string(),
        _ => "you".to_string(),
    };
    let value = |v: &Option<serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    format!(
        "{} changed from {} to {} by {who}",
        c.column_name.replace('_', " "),
        value(&c.old_value),
        value(&c.new_value)
    )
}

/// One page of a record's timeline: its activities and the audited
/// changes of its own fields, after `before` when given.
pub async fn of(
    tx: &mut Tx,
    kind: RecordKind,
    id: Uuid,
    before: Option<TimelineCursor>,
    limit: i64,
) -> Result<Timeline> {
    let column = match kind {
        RecordKind::Contact => "contact_id",
        RecordKind::Company => "company_id",
        RecordKind::Deal => "deal_id",
        RecordKind::Stage => return Ok(Timeline::default()),
    };
    let mut sql = QueryBuilder::new(format!("{ACTIVITY_LINE}{column} = "));
    sql.push_bind(id);
    let mut items = activities(tx, sql, before, limit).await?;
    items.extend(changes(tx, id, before, limit).await?);
    Ok(page(items, before, limit))
}

/// One page of the client's activity feed, optionally of one kind.
pub async fn feed(
    tx: &mut Tx,
    only: Option<&str>,
    before: Option<TimelineCursor>,
    limit: i64,
) -> Result<Timeline> {
    let mut sql = QueryBuilder::new(format!("{ACTIVITY_LINE}true"));
    and_bind(&mut sql, " AND kind = ", only);
    let items = activities(tx, sql, before, limit).await?;
    Ok(page(items, before, limit))
}

/// The first `limit + 1` activities of `sql` (a WHERE clause begun) after
/// the cursor.
async fn activities(
    tx: &mut Tx,
    mut sql: QueryBuilder<'_, Postgres>,
    before: Option<TimelineCursor>,
    limit: i64,
) -> Result<Vec<Item>> {
    match before {
        Some(TimelineCursor {
            at,
            last: CursorEntry::Activity(id),
        }) => {
            and_before(&mut sql, "happens_at", "id", at, id);
        }
        // Every activity at the change's instant came before it.
        Some(TimelineCursor { at, .. }) => {
            sql.push(" AND happens_at < ").push_bind(at);
        }
        None => {}
    }
    newest_first(&mut sql, "happens_at", "id", limit);
    let rows: Vec<ActivityLine> = sql.build_query_as().fetch_all(tx.conn()).await?;
    Ok(rows.into_iter().map(Item::Activity).collect())
}

async fn changes(
    tx: &mut Tx,
    row: Uuid,
    before: Option<TimelineCursor>,
    limit: i64,
) -> Result<Vec<Item>> {
    let mut sql = QueryBuilder::new(
        "SELECT c.id, c.view_name, c.row_id, c.column_name, c.old_value, c.new_value, \
                c.acting_role, c.user_id, c.on_behalf_of, c.changed_at, i.instruction \
         FROM crm_field_changes c LEFT JOIN crm_instructions i ON i.id = c.on_behalf_of \
         WHERE c.row_id = ",
    );
    sql.push_bind(row);
    match before {
        Some(TimelineCursor {
            at,
            last: CursorEntry::Change(id),
        }) => {
            and_before(&mut sql, "c.changed_at", "c.id", at, id);
        }
        // No change at the activity's instant was shown yet.
        Some(TimelineCursor { at, .. }) => {
            sql.push(" AND c.changed_at <= ").push_bind(at);
        }
        None => {}
    }
    newest_first(&mut sql, "c.changed_at", "c.id", limit);
    let rows: Vec<FieldChange> = sql.build_query_as().fetch_all(tx.conn()).await?;
    Ok(rows.into_iter().map(Item::Change).collect())
}

/// ` AND (time, id) < (at, id)`: the rows of one kind after its own
/// entry at the cursor.
fn and_before<'a, I>(
    sql: &mut QueryBuilder<'a, Postgres>,
    time: &str,
    id_column: &str,
    at: DateTime<Utc>,
    id: I,
) where
    I: 'a + Encode<'a, Postgres> + Type<Postgres> + Send,
{
    sql.push(format!(" AND ({time}, {id_column}) < ("))
        .push_bind(at)
        .push(", ")
        .push_bind(id)
        .push(")");
}

/// Newest first, and one more row than a page: the one more tells
/// whether there is an older page. The limit is written out, as
/// `conditions` explains.
fn newest_first(sql: &mut QueryBuilder<'_, Postgres>, time: &str, id_column: &str, limit: i64) {
    sql.push(format!(
        " ORDER BY {time} DESC, {id_column} DESC LIMIT {}",
        limit + 1
    ));
}

/// The newest `limit` of `items` as lines, with the cursor of the last
/// one shown when any are left over.
fn page(mut items: Vec<Item>, before: Option<TimelineCursor>, limit: i64) -> Timeline {
    items.sort_by(Item::order);
    let limit = usize::try_from(limit).unwrap_or(0);
    let older = (items.len() > limit && limit > 0).then(|| items[limit - 1].cursor().to_string());
    items.truncate(limit);
    Timeline {
        entries: items.into_iter().map(Item::entry).collect(),
        older,
        paged: before.is_some(),
    }
}
