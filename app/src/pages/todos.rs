//! To-dos: the page (mine or all, overdue first) and the panel on each
//! record page. Adding and changing status are plain forms, so both work
//! without JavaScript.

use crate::components::{PostForm, Posted};
use crate::resource::{resource, Loaded};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::{
    components::{general_error, record_href, ChoiceSelect, ErrorNote},
    model::{AppError, ArchivedKind, Source, TodoItem, TodoList, TodoScope, TodoStatus},
    pages::trash::ArchiveButton,
    server_fns::{
        todos::{load_todos, todos_for, AddTodo, SetTodoStatus},
        trash::ArchiveRecord,
    },
};

#[component]
pub fn TodosPage() -> impl IntoView {
    let query = use_query_map();
    let scope = move || TodoScope::parse(&query.get().get("scope").unwrap_or_default());
    let add = Posted::<AddTodo>::new();
    let status = Posted::<SetTodoStatus>::new();
    let archive = Posted::<ArchiveRecord>::new();
    let data = resource(scope, |scope| load_todos(scope.as_str().to_string()));
    let current = move |s: TodoScope| (scope() == s).then_some("page");
    view! {
        <Title text="To-dos" />
        <h1>"To-dos"</h1>
        <nav aria-label="Whose to-dos" class="tabs">
            <a href="/todos" aria-current=move || current(TodoScope::Mine)>"Mine and unassigned"</a>
            <a href="/todos?scope=all" aria-current=move || current(TodoScope::All)>"Everyone's"</a>
        </nav>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(list) => view! { <TodoLists list add status archive kind="" id=None /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A record's to-dos and the actions on them, made once by the record page
/// (see `panels`).
#[derive(Clone, Copy)]
pub struct TodoState {
    kind: &'static str,
    add: Posted<AddTodo>,
    status: Posted<SetTodoStatus>,
    archive: Posted<ArchiveRecord>,
    data: Loaded<TodoList>,
}

impl TodoState {
    pub fn new(
        kind: &'static str,
        id: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static,
    ) -> Self {
        let add = Posted::<AddTodo>::new();
        let status = Posted::<SetTodoStatus>::new();
        let archive = Posted::<ArchiveRecord>::new();
        let data = resource(id, move |id| async move {
            todos_for(kind.to_string(), id.ok_or(AppError::NotFound)?).await
        });
        Self {
            kind,
            add,
            status,
            archive,
            data,
        }
    }
}

/// The to-dos of a contact, company or deal, with a form to add one.
#[component]
pub fn TodoPanel(state: TodoState, id: Uuid) -> impl IntoView {
    let TodoState {
        kind,
        add,
        status,
        archive,
        data,
    } = state;
    view! {
        <section class="card todo-panel" aria-labelledby="todos-heading">
            <h2 id="todos-heading">"To-dos"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(list) => view! { <TodoLists list add status archive kind id=Some(id) /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The add form, the open to-dos and the recently done ones.
#[component]
fn TodoLists(
    list: TodoList,
    add: Posted<AddTodo>,
    status: Posted<SetTodoStatus>,
    archive: Posted<ArchiveRecord>,
    kind: &'static str,
    id: Option<Uuid>,
) -> impl IntoView {
    let error = Signal::derive(move || add.value().get().and_then(|r| r.err()));
    let for_field = move |f: &'static str| move || error.get().and_then(|e| e.for_field(f));
    let general = move || general_error(error.get());
    let status_error = move || {
        status
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    let empty = list.open.is_empty();
    view! {
        <PostForm action=add attr:class="add-todo">
            <input type="hidden" name="kind" value=kind />
            <input type="hidden" name="id" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <div class="field">
                <label for="todo-title">"New to-do"</label>
                <input id="todo-title" name="title" required maxlength="300" />
                <p class="field-error" role="alert">{for_field("title")}</p>
            </div>
            <div class="field todo-body">
                <label for="todo-body">"Details (markdown)"</label>
                <textarea id="todo-body" name="body" rows="1"></textarea>
                <p class="field-error" role="alert">{for_field("body")}</p>
            </div>
            <div class="field">
                <label for="todo-due">"Due"</label>
                <input id="todo-due" name="due" type="date" />
                <p class="field-error" role="alert">{for_field("due")}</p>
            </div>
            <div class="field">
                <label for="assignee">"Assignee"</label>
                <ChoiceSelect name="assignee" choices=list.members current=list.me none="Nobody" />
                <p class="field-error" role="alert">{for_field("assignee")}</p>
            </div>
            <p class="error" role="alert">{general}</p>
            <button type="submit" id="add-todo">"Add to-do"</button>
        </PostForm>
        <p class="error" role="alert">{status_error}</p>
        <h3>"Open"</h3>
        {empty.then(|| view! { <p class="empty">"Nothing to do."</p> })}
        <ul class="todos" id="open-todos">
            {list.open.into_iter().map(|item| view! { <TodoRow item status archive /> }).collect_view()}
        </ul>
        {(!list.done.is_empty()).then(|| view! {
            <h3>"Done"</h3>
            <ul class="todos done" id="done-todos">
                {list.done.into_iter().map(|item| view! { <TodoRow item status archive /> }).collect_view()}
            </ul>
        })}
    }
}

/// One to-do: its buttons, title, due day, assignee and records.
#[component]
fn TodoRow(
    item: TodoItem,
    status: Posted<SetTodoStatus>,
    archive: Posted<ArchiveRecord>,
) -> impl IntoView {
    let t = item.todo;
    let done = t.status == TodoStatus::Done;
    let (next, verb) = if done {
        (TodoStatus::Todo, "Reopen")
    } else {
        (TodoStatus::Done, "Complete")
    };
    let start_label = format!("Start: {}", t.title);
    let label = format!("{verb}: {}", t.title);
    let start = (t.status == TodoStatus::Todo).then(|| {
        view! {
            <PostForm action=status attr:class="todo-action">
                <input type="hidden" name="id" value=t.id.to_string() />
                <input type="hidden" name="status" value=TodoStatus::InProgress.as_str() />
                <button type="submit" class="secondary" aria-label=start_label>"Start"</button>
            </PostForm>
        }
    });
    view! {
        <li class="todo" class:overdue=item.overdue id=format!("todo-{}", t.id) data-id=t.id.to_string()>
            <PostForm action=status attr:class="todo-action">
                <input type="hidden" name="id" value=t.id.to_string() />
                <input type="hidden" name="status" value=next.as_str() />
                <button type="submit" aria-label=label>{verb}</button>
            </PostForm>
            {start}
            <span class="todo-title">{t.title.clone()}</span>
            {(t.status == TodoStatus::InProgress).then(|| view! { <span class="badge">"In progress"</span> })}
            {item.due_on.map(|d| view! { <span class="todo-due">{format!("due {d}")}</span> })}
            {item.overdue.then(|| view! { <span class="badge overdue-badge">"Overdue"</span> })}
            <span class="todo-assignee">{item.assignee.unwrap_or_else(|| "unassigned".into())}</span>
            {(t.created_by_source == Source::Agent).then(|| view! { <span class="by-arlo">"from arlo"</span> })}
            {item.links.into_iter().map(|l| view! {
                <a class="todo-link" href=record_href(l.kind, l.id)>{l.label}</a>
            }).collect_view()}
            <ArchiveButton action=archive kind=ArchivedKind::Todo id=t.id name=t.title.clone() />
            {(!item.body_html.is_empty()).then(|| view! {
                <details class="todo-details">
                    <summary>"Details"</summary>
                    <div class="note-body" inner_html=item.body_html.clone()></div>
                </details>
            })}
        </li>
    }
}
