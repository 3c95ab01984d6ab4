//! The notes, to-dos and files panels of a contact's, company's or deal's
//! page. Their loads and actions are made once, in the page's own body:
//! a panel made inside the page's `Transition` was made again each time
//! the server render walked that body (Leptos resolves a suspense's
//! children more than once), and each time it loaded its rows again.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::{
    editing::{Notes, NotesState},
    files::{FilesPanel, FilesState},
    todos::{TodoPanel, TodoState},
};

/// The record id in the page's URL, when it is one.
pub fn id_param() -> impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.get().get("id").and_then(|i| i.parse().ok())
}

/// The three panels' loads and actions for the record `id` names.
#[derive(Clone, Copy)]
pub struct PanelsState {
    notes: NotesState,
    todos: TodoState,
    files: FilesState,
}

impl PanelsState {
    pub fn new(
        kind: &'static str,
        id: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static,
    ) -> Self {
        Self {
            notes: NotesState::new(kind, id),
            todos: TodoState::new(kind, id),
            files: FilesState::new(kind, id),
        }
    }
}

/// Notes, to-dos and files of the record `id` (the one the page shows).
#[component]
pub fn RecordPanels(state: PanelsState, id: Uuid) -> impl IntoView {
    view! {
        <Notes state=state.notes id />
        <TodoPanel state=state.todos id />
        <FilesPanel state=state.files id />
    }
}
