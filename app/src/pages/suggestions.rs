//! What arlo inferred about strategic fields and left for the founder:
//! one click accepts (written as the founder) or dismisses each.

use crate::components::{PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::{record_href, ErrorNote},
    model::{SuggestedField, Suggestion},
    server_fns::judgment::{load_suggestions, DecideSuggestion},
};

#[component]
pub fn SuggestionsPage() -> impl IntoView {
    let decide = Posted::<DecideSuggestion>::new();
    let data = resource(|| (), |_| load_suggestions());
    view! {
        <Title text="Suggestions" />
        <h1>"Suggestions"</h1>
        <p class="lede">"What arlo noticed in meetings, notes and replies. Nothing changes until you accept."</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty">"No open suggestions."</p> }.into_any()
                    }
                    Ok(list) => view! {
                        <ul class="suggestions">
                            {list.into_iter().map(|s| view! { <Item s decide /> }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

fn proposal(s: &Suggestion) -> String {
    let value = s.proposed.as_str().unwrap_or_default();
    match s.field {
        SuggestedField::Priority => format!("priority → {value}"),
        SuggestedField::RecontactAt => format!("recontact on {}", value.get(..10).unwrap_or(value)),
        SuggestedField::StrategyNote => format!("strategy note: add “{value}”"),
        SuggestedField::RelationshipNote => format!("relationship note: add “{value}”"),
    }
}

#[component]
pub fn Item(s: Suggestion, decide: Posted<DecideSuggestion>) -> impl IntoView {
    let href = record_href(s.record_kind, s.record_id);
    let id = s.id.to_string();
    let (accept_id, dismiss_id) = (id.clone(), id.clone());
    let what = proposal(&s);
    view! {
        <li class="suggestion card" data-id=id>
            <p><a href=href>{s.record_label.clone()}</a>": " <strong>{what}</strong></p>
            <p class="why">{s.why.clone()}</p>
            <PostForm action=decide attr:class="inline">
                <input type="hidden" name="id" value=accept_id />
                <input type="hidden" name="accept" value="true" />
                <button type="submit" class="accept">"Accept"</button>
            </PostForm>
            <PostForm action=decide attr:class="inline">
                <input type="hidden" name="id" value=dismiss_id />
                <input type="hidden" name="accept" value="false" />
                <button type="submit" class="secondary dismiss">"Dismiss"</button>
            </PostForm>
        </li>
    }
}
