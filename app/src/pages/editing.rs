//! Forms for records made by hand, and the notes panel.

use crate::components::{PostForm, Posted};
use crate::resource::{resource, Loaded};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::{
    components::{general_error, ChoiceSelect, ErrorNote, Lookup, TextField},
    model::{AppError, ArchivedKind, RenderedNote},
    pages::trash::ArchiveButton,
    server_fns::editing::{
        load_deal_form, notes_for, AddNote, CreateCompany, CreateContact, CreateDeal,
    },
    server_fns::trash::ArchiveRecord,
};

/// The action's error, and the part of it that belongs to no field.
fn errors(
    value: impl Fn() -> Option<Result<(), AppError>> + Send + Sync + 'static,
) -> (Signal<Option<AppError>>, impl Fn() -> Option<String> + Copy) {
    let error = Signal::derive(move || value().and_then(|r| r.err()));
    (error, move || general_error(error.get()))
}

#[component]
pub fn NewContactPage() -> impl IntoView {
    let action = Posted::<CreateContact>::new();
    let (error, general) = errors(move || action.value().get());
    view! {
        <Title text="New contact" />
        <h1>"New contact"</h1>
        <PostForm action=action attr:class="card record-form">
            <TextField name="first_name" label="First name" error />
            <TextField name="last_name" label="Last name" error />
            <TextField name="email" label="Email" kind="email" error />
            <TextField name="job_title" label="Job title" error />
            <div class="field">
                <label for="company">"Company"</label>
                <Lookup name="company" kind="company" value="" placeholder="Type to search" />
                <p class="field-error" role="alert">{move || error.get().and_then(|e| e.for_field("company"))}</p>
            </div>
            <p class="error" role="alert">{general}</p>
            <button type="submit" id="create">"Create contact"</button>
        </PostForm>
    }
}

#[component]
pub fn NewCompanyPage() -> impl IntoView {
    let action = Posted::<CreateCompany>::new();
    let (error, general) = errors(move || action.value().get());
    view! {
        <Title text="New company" />
        <h1>"New company"</h1>
        <PostForm action=action attr:class="card record-form">
            <TextField name="name" label="Name" required=true error />
            <TextField name="domain" label="Domain" error />
            <p class="error" role="alert">{general}</p>
            <button type="submit" id="create">"Create company"</button>
        </PostForm>
    }
}

#[component]
pub fn NewDealPage() -> impl IntoView {
    let action = Posted::<CreateDeal>::new();
    let (error, general) = errors(move || action.value().get());
    let options = resource(|| (), |_| load_deal_form());
    let select_error = move |f: &'static str| move || error.get().and_then(|e| e.for_field(f));
    view! {
        <Title text="New deal" />
        <h1>"New deal"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(o) => {
                        view! {
                            <PostForm action=action attr:class="card record-form">
                                <TextField name="name" label="Name" required=true error />
                                <div class="field">
                                    <label for="stage">"Pipeline and stage"</label>
                                    <select id="stage" name="stage">
                                        {o.stages.into_iter().map(|s| view! {
                                            <option value=s.stage_id.to_string()>{format!("{} · {}", s.pipeline_name, s.stage_name)}</option>
                                        }).collect_view()}
                                    </select>
                                    <p class="field-error" role="alert">{select_error("stage")}</p>
                                </div>
                                <div class="field">
                                    <label for="company">"Company"</label>
                                    <Lookup name="company" kind="company" value="" placeholder="Type to search" />
                                    <p class="field-error" role="alert">{select_error("company")}</p>
                                </div>
                                <div class="field">
                                    <label for="contact">"Contact"</label>
                                    <Lookup name="contact" kind="contact" value="" placeholder="Type to search" />
                                    <p class="field-error" role="alert">{select_error("contact")}</p>
                                </div>
                                <div class="field">
                                    <label for="owner">"Owner"</label>
                                    <ChoiceSelect name="owner" choices=o.members />
                                </div>
                                <TextField name="amount" label="Amount" error />
                                <TextField name="close_date" label="Close date" kind="date" error />
                                <p class="error" role="alert">{general}</p>
                                <button type="submit" id="create">"Create deal"</button>
                            </PostForm>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// A record's notes and the actions on them, made once by the record page
/// (see `panels`).
#[derive(Clone, Copy)]
pub struct NotesState {
    kind: &'static str,
    add: Posted<AddNote>,
    archive: Posted<ArchiveRecord>,
    notes: Loaded<Vec<RenderedNote>>,
}

impl NotesState {
    pub fn new(
        kind: &'static str,
        id: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static,
    ) -> Self {
        let add = Posted::<AddNote>::new();
        let archive = Posted::<ArchiveRecord>::new();
        let notes = resource(id, move |id| async move {
            notes_for(kind.to_string(), id.ok_or(AppError::NotFound)?).await
        });
        Self {
            kind,
            add,
            archive,
            notes,
        }
    }
}

/// Notes on a record: markdown in, safely rendered HTML out.
#[component]
pub fn Notes(state: NotesState, id: Uuid) -> impl IntoView {
    let NotesState {
        kind,
        add,
        archive,
        notes,
    } = state;
    let error = move || {
        add.value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    view! {
        <section class="card" aria-labelledby="notes-heading">
            <h2 id="notes-heading">"Notes"</h2>
            <PostForm action=add attr:class="add-note">
                <input type="hidden" name="kind" value=kind />
                <input type="hidden" name="id" value=id.to_string() />
                <label for="note-body">"Add a note (markdown)"</label>
                <textarea id="note-body" name="body" rows="3"></textarea>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" id="add-note" class="secondary">"Add note"</button>
            </PostForm>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    notes.await.unwrap_or_default().into_iter().map(|n| view! {
                        <article class="note">
                            <div class="note-meta">
                                {n.created_at.format("%Y-%m-%d %H:%M").to_string()}
                                <ArchiveButton action=archive kind=ArchivedKind::Note id=n.id name=format!("note “{}”", n.title) />
                            </div>
                            <div class="note-body" inner_html=n.html></div>
                        </article>
                    }).collect_view()
                })}
            </Transition>
        </section>
    }
}
