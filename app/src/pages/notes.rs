//! Every note of the client, newest first, searchable, each linking to the
//! records it is about. A GET form and plain links: works without
//! JavaScript.

use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::{
    components::{record_href, ErrorNote},
    model::format::urlencode,
    server_fns::editing::load_notes,
};

#[component]
pub fn NotesPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.get().get("q").unwrap_or_default();
    let after = move || {
        query
            .get()
            .get("after")
            .and_then(|a| a.parse::<Uuid>().ok())
    };
    let data = resource(move || (q(), after()), |(q, after)| load_notes(q, after));
    view! {
        <Title text="Notes" />
        <h1>"Notes"</h1>
        <form method="get" action="/notes" class="search" role="search">
            <label for="notes-q">"Search notes"</label>
            <input id="notes-q" name="q" type="search" value=q maxlength="200" />
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(page) => {
                        let empty = page.notes.is_empty();
                        let next = page.next.map(|id| {
                            let q = q();
                            let href = if q.is_empty() {
                                format!("/notes?after={id}")
                            } else {
                                format!("/notes?q={}&after={id}", urlencode(&q))
                            };
                            view! { <a class="next-page" href=href>"Older notes"</a> }
                        });
                        view! {
                            {empty.then(|| view! { <p class="empty">"No notes."</p> })}
                            <ol class="notes-list">
                                {page.notes.into_iter().map(|item| view! {
                                    <li class="card note">
                                        <p class="note-meta">
                                            {item.note.created_at.format("%Y-%m-%d %H:%M").to_string()}
                                            {item.links.into_iter().map(|l| view! {
                                                " · " <a class="note-link" href=record_href(l.kind, l.id)>{l.label}</a>
                                            }).collect_view()}
                                        </p>
                                        <div class="note-body" inner_html=item.note.html></div>
                                    </li>
                                }).collect_view()}
                            </ol>
                            {next}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
