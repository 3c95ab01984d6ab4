//! To-dos through `crm_todos` / `crm_todo_targets`. Anyone creates them;
//! only a person changes their status (`crm_set_todo_status`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{notes::Target, targets, write, write::source_of, write::Value, Field, Result, Tx};
use redkey_types::{Todo, TodoItem, TodoStatus};

/// What a new to-do says.
#[derive(Clone, Debug, Default)]
pub struct NewTodo {
    pub title: String,
    pub body_markdown: String,
    pub due_at: Option<DateTime<Utc>>,
    pub assignee_id: Option<Uuid>,
    pub target: Option<Target>,
}

const COLUMNS: &str = "id, title, body_markdown, due_at, status, assignee_id, \
                       created_by_source, completed_at, created_at";

/// Adds a to-do and links it to its record in one transaction.
pub async fn add(tx: &mut Tx, new: NewTodo) -> Result<Todo> {
    let source = source_of(tx);
    let todo: Todo = write::insert(
        tx,
        "crm_todos",
        vec![
            Field::new("title", Value::Text(Some(new.title))),
            Field::new("body_markdown", Value::Text(Some(new.body_markdown))),
            Field::new("due_at", Value::Time(new.due_at)),
            Field::new("assignee_id", Value::Uuid(new.assignee_id)),
            Field::new("created_by_source", Value::Source(source)),
        ],
        COLUMNS,
    )
    .await?;
    if let Some(target) = new.target {
        let (column, id) = target.column();
        let _: (Uuid,) = write::insert(
            tx,
            "crm_todo_targets",
            vec![
                Field::new("todo_id", Value::Uuid(Some(todo.id))),
                Field::new(column, Value::Uuid(Some(id))),
            ],
            "id",
        )
        .await?;
    }
    Ok(todo)
}

/// Starts, completes or reopens a to-do: a person's act only.
pub async fn set_status(tx: &mut Tx, id: Uuid, status: TodoStatus) -> Result<()> {
    sqlx::query("SELECT crm_set_todo_status($1, $2)")
        .bind(id)
        .bind(status.as_str())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The signed-in person's member id in this client: found among the
/// members as the to-do lists find it, so there is one rule for "me".
pub async fn my_member_id(tx: &mut Tx) -> Result<Option<Uuid>> {
    Ok(crate::member_choices_and_me(tx).await?.1)
}

/// Which to-dos a list reads.
#[derive(Clone, Copy, Debug)]
pub enum Filter {
    /// Assigned to this member, or to nobody.
    MineOrUnassigned(Uuid),
    All,
    On(Target),
}

/// Open to-dos (due first, none due last) or done ones (latest first),
/// with assignee, due day, overdue flag and links.
pub async fn list(tx: &mut Tx, filter: Filter, done: bool, limit: i64) -> Result<Vec<TodoItem>> {
    let (condition, id) = condition(filter);
    let items = sqlx::query_as(&format!("{} LIMIT $2", select(&condition, done, "")))
        .bind(id)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    linked(tx, items).await
}

/// The first `open` open to-dos and the first `done` done ones, as
/// [`list`] orders them, in one statement: a list shows both.
pub async fn lists(
    tx: &mut Tx,
    filter: Filter,
    open: i64,
    done: i64,
) -> Result<(Vec<TodoItem>, Vec<TodoItem>)> {
    let (condition, id) = condition(filter);
    // Each half numbers its rows in its own order; the outer order keeps it.
    let ranked = |done: bool, limit: &str| {
        let order = if done { DONE_ORDER } else { OPEN_ORDER };
        let rank = format!(", row_number() OVER (ORDER BY {order}) AS rank");
        format!("({} LIMIT {limit})", select(&condition, done, &rank))
    };
    let items: Vec<TodoItem> = sqlx::query_as(&format!(
        "SELECT * FROM ({} UNION ALL {}) x ORDER BY x.completed_at IS NOT NULL, x.rank",
        ranked(false, "$2"),
        ranked(true, "$3")
    ))
    .bind(id)
    .bind(open)
    .bind(done)
    .fetch_all(tx.conn())
    .await?;
    let items = linked(tx, items).await?;
    Ok(items
        .into_iter()
        .partition(|i| i.todo.completed_at.is_none()))
}

const OPEN_ORDER: &str = "t.due_at NULLS LAST, t.created_at, t.id";
const DONE_ORDER: &str = "t.completed_at DESC, t.id";

/// The filter as a condition on `t` with its one parameter ($1). The
/// record filter names a column from a closed set, never input.
fn condition(filter: Filter) -> (String, Option<Uuid>) {
    match filter {
        Filter::MineOrUnassigned(m) => (
            "(t.assignee_id = $1 OR t.assignee_id IS NULL)".to_string(),
            Some(m),
        ),
        Filter::All => ("$1::uuid IS NULL".to_string(), None),
        Filter::On(target) => {
            let (column, id) = target.column();
            (
                format!(
                    "EXISTS (SELECT 1 FROM crm_todo_targets x \
                     WHERE x.todo_id = t.id AND x.{column} = $1)"
                ),
                Some(id),
            )
        }
    }
}

/// Open or done to-dos meeting `condition`, in their order, unlimited;
/// `extra` adds columns.
fn select(condition: &str, done: bool, extra: &str) -> String {
    let (state, order) = if done {
        ("t.completed_at IS NOT NULL", DONE_ORDER)
    } else {
        ("t.completed_at IS NULL", OPEN_ORDER)
    };
    format!(
        "SELECT t.id, t.title, t.body_markdown, t.due_at, t.status, t.assignee_id, \
                t.created_by_source, t.completed_at, t.created_at, \
                nullif(btrim(m.first_name || ' ' || m.last_name), '') AS assignee, \
                (t.due_at AT TIME ZONE s.time_zone)::date AS due_on, \
                coalesce(t.completed_at IS NULL AND t.due_at < now(), false) AS overdue{extra} \
         FROM crm_todos t CROSS JOIN crm_client_schedule s \
         LEFT JOIN crm_members m ON m.id = t.assignee_id \
         WHERE {state} AND {condition} ORDER BY {order}"
    )
}

/// The items with their linked records, in one read for all of them.
async fn linked(tx: &mut Tx, mut items: Vec<TodoItem>) -> Result<Vec<TodoItem>> {
    let ids: Vec<Uuid> = items.iter().map(|i| i.todo.id).collect();
    let mut links = targets::links(tx, targets::Of::Todos, &ids).await?;
    for item in &mut items {
        item.links = targets::take(&mut links, item.todo.id);
    }
    Ok(items)
}
