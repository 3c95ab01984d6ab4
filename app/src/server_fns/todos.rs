//! To-dos: the page's lists, a record's panel, adding and changing status.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, TodoList};

/// Open to-dos shown per list; done ones shown.
#[cfg(feature = "ssr")]
const OPEN_SHOWN: i64 = 200;
#[cfg(feature = "ssr")]
const DONE_SHOWN: i64 = 20;

/// The to-dos page: the signed-in person's (with the unassigned) or all.
#[server]
pub async fn load_todos(scope: String) -> Result<TodoList, AppError> {
    use crate::model::TodoScope;
    use crate::ssr::{db, db::todos::Filter, session::human_read};
    let (mut tx, _) = human_read().await?;
    let (members, me) = db::member_choices_and_me(&mut tx).await?;
    let filter = match (TodoScope::parse(&scope), me) {
        (TodoScope::Mine, Some(me)) => Filter::MineOrUnassigned(me),
        _ => Filter::All,
    };
    let (open, done) = db::todos::lists(&mut tx, filter, OPEN_SHOWN, DONE_SHOWN).await?;
    Ok(rendered(TodoList {
        open,
        done,
        members,
        me,
    }))
}

/// The to-dos of one contact, company or deal.
#[server]
pub async fn todos_for(kind: String, id: Uuid) -> Result<TodoList, AppError> {
    use crate::ssr::{db, db::todos::Filter, session::human_read};
    let target = super::editing::note_target(&kind, id)?;
    let (mut tx, _) = human_read().await?;
    let (open, done) =
        db::todos::lists(&mut tx, Filter::On(target), OPEN_SHOWN, DONE_SHOWN).await?;
    let (members, me) = db::member_choices_and_me(&mut tx).await?;
    Ok(rendered(TodoList {
        open,
        done,
        members,
        me,
    }))
}

/// The to-dos' markdown bodies as safe HTML.
#[cfg(feature = "ssr")]
fn rendered(mut list: TodoList) -> TodoList {
    for item in list.open.iter_mut().chain(list.done.iter_mut()) {
        item.body_html = crate::ssr::markdown::render(&item.todo.body_markdown);
    }
    list
}

/// Adds a to-do, on a record when `kind` and `id` name one. The due day is
/// due by its end in the client's time zone.
#[server]
pub async fn add_todo(
    title: String,
    body: String,
    due: String,
    assignee: String,
    kind: String,
    id: String,
) -> Result<(), AppError> {
    use crate::server_fns::forms;
    use crate::ssr::{db, db::todos::NewTodo, session::human_tx};
    let title = title.trim().to_string();
    if title.is_empty() {
        return Err(AppError::invalid("title", "a to-do needs a title"));
    }
    if title.chars().count() > 300 {
        return Err(AppError::invalid(
            "title",
            "a title holds at most 300 characters",
        ));
    }
    if body.len() > 20_000 {
        return Err(AppError::invalid(
            "body",
            "details hold at most 20,000 characters",
        ));
    }
    let due = forms::date(&due, "due")?;
    let assignee = forms::pick(&assignee, "assignee")?;
    let target = match forms::pick(&id, "id")? {
        Some(id) => Some(super::editing::note_target(&kind, id)?),
        None => None,
    };
    let (mut tx, _) = human_tx().await?;
    let due_at = match due {
        Some(day) => Some(db::calendar::end_of_day(&mut tx, day).await?),
        None => None,
    };
    db::todos::add(
        &mut tx,
        NewTodo {
            title,
            body_markdown: body.trim().to_string(),
            due_at,
            assignee_id: assignee,
            target,
        },
    )
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Invalid {
            field: None,
            message,
        } if message.starts_with("assignee") => {
            AppError::invalid("assignee", "choose someone from the list")
        }
        other => other,
    })?;
    tx.commit().await?;
    Ok(())
}

/// Starts, completes or reopens a to-do (the database allows only people).
/// A fixed endpoint: the browser tests post to it directly.
#[server(endpoint = "set_todo_status")]
pub async fn set_todo_status(id: Uuid, status: String) -> Result<(), AppError> {
    use crate::model::TodoStatus;
    use crate::ssr::{db, session::human_tx};
    let status = TodoStatus::parse(&status)
        .ok_or_else(|| AppError::invalid("status", "unknown to-do status"))?;
    let (mut tx, _) = human_tx().await?;
    db::todos::set_status(&mut tx, id, status).await?;
    tx.commit().await?;
    Ok(())
}
