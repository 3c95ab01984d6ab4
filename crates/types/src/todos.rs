//! To-dos (Twenty's tasks): what someone has to do, linked to records.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{text_enum::text_enum, RecordLink, Source};

text_enum! {
    /// Where a to-do stands; only a person changes it.
    pub enum TodoStatus {
        Todo = "TODO",
        InProgress = "IN_PROGRESS",
        Done = "DONE",
    }
}

impl TodoStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Todo => "To do",
            Self::InProgress => "In progress",
            Self::Done => "Done",
        }
    }
}

/// A row of `crm_todos`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Todo {
    pub id: Uuid,
    pub title: String,
    pub body_markdown: String,
    pub due_at: Option<DateTime<Utc>>,
    pub status: TodoStatus,
    pub assignee_id: Option<Uuid>,
    pub created_by_source: Source,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A to-do as a list shows it: who it is assigned to and what it is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TodoItem {
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub todo: Todo,
    pub assignee: Option<String>,
    /// The due day in the client's time zone.
    pub due_on: Option<NaiveDate>,
    /// Open and past its due time when the list was read (decided by the
    /// database, so rendering reads no clock).
    pub overdue: bool,
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub links: Vec<RecordLink>,
    /// The body rendered on the server (raw HTML in it shown as text).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub body_html: String,
}

/// Which to-dos a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TodoScope {
    /// Assigned to the signed-in person.
    #[default]
    Mine,
    All,
}

impl TodoScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mine => "mine",
            Self::All => "all",
        }
    }

    /// Unknown values fall back to the signed-in person's own.
    pub fn parse(s: &str) -> Self {
        if s == "all" {
            Self::All
        } else {
            Self::Mine
        }
    }
}

/// The to-dos page: open ones (overdue first, then by due time), and the
/// most recently done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TodoList {
    pub open: Vec<TodoItem>,
    pub done: Vec<TodoItem>,
    /// Members to assign to, as (id, name).
    pub members: Vec<(Uuid, String)>,
    /// The signed-in person's member id in this client, if any.
    pub me: Option<Uuid>,
}
