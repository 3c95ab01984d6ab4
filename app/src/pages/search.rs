//! The search page: search everywhere without JavaScript (the palette's
//! fallback, and where its "all results" lead).

use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{components::ErrorNote, server_fns::search::search_everything};

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.get().get("q").unwrap_or_default();
    let hits = resource(q, search_everything);
    view! {
        <Title text="Search" />
        <h1>"Search"</h1>
        <form method="get" action="/search" class="filters" role="search">
            <label for="search-q">"Contacts, companies, deals, notes and to-dos"</label>
            <input id="search-q" name="q" type="search" value=q maxlength="200" />
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p>"Searching…"</p> }>
            {move || Suspend::new(async move {
                match hits.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok((asked, list)) if list.is_empty() => {
                        (!asked.trim().is_empty()).then(|| view! {
                            <p class="quiet">{format!("Nothing like “{}”.", asked.trim())}</p>
                        }).into_any()
                    }
                    Ok((_, list)) => view! {
                        <ul class="search-results">
                            {list.into_iter().map(|h| view! {
                                <li>
                                    <span class="kind">{h.kind.label()}</span>
                                    <a href=h.href()>{h.label.clone()}</a>
                                    <span class="quiet">{h.detail.clone()}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
