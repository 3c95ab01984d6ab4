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

/// The signed-in person's member id in this client.
pub async fn my_member_id(tx: &mut Tx) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM crm_members \
         WHERE user_id = NULLIF(current_setting('redkey.user_id', true), '')::uuid",
    )
    .fetch_optional(tx.conn())
    .await?)
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
    // The record filter names a column from a closed set, never input.
    let (condition, id) = match filter {
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
    };
    let (state, order) = if done {
        ("t.completed_at IS NOT NULL", "t.completed_at DESC, t.id")
    } else {
        (
            "t.completed_at IS NULL",
            "t.due_at NULLS LAST, t.created_at, t.id",
        )
    };
    let mut items: Vec<TodoItem> = sqlx::query_as(&format!(
        "SELECT t.id, t.title, t.body_markdown, t.due_at, t.status, t.assignee_id, \
                t.created_by_source, t.completed_at, t.created_at, \
                nullif(btrim(m.first_name || ' ' || m.last_name), '') AS assignee, \
                (t.due_at AT TIME ZONE s.time_zone)::date AS due_on, \
                coalesce(t.completed_at IS NULL AND t.due_at < now(), false) AS overdue \
         FROM crm_todos t CROSS JOIN crm_client_schedule s \
         LEFT JOIN crm_members m ON m.id = t.assignee_id \
         WHERE {state} AND {condition} ORDER BY {order} LIMIT $2"
    ))
    .bind(id)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    let ids: Vec<Uuid> = items.iter().map(|i| i.todo.id).collect();
    let mut links = targets::links(tx, targets::Of::Todos, &ids).await?;
    for item in &mut items {
        item.links = targets::take(&mut links, item.todo.id);
    }
    Ok(items)
}
