//! A record picker for lists too long to send whole: a text field whose
//! suggestions come from the server as the person types. The form carries
//! the typed label; the server resolves it (or matches it, for filters),
//! so the picker works without JavaScript too.

use leptos::prelude::*;

use crate::server_fns::records::lookup_choices;

#[island]
pub fn Lookup(
    /// The field's id and name.
    #[prop(into)]
    name: String,
    /// `company`, `contact` or `member`.
    #[prop(into)]
    kind: String,
    /// The label shown at first.
    #[prop(into)]
    value: String,
    #[prop(into)] placeholder: String,
) -> impl IntoView {
    let suggest = Action::new(move |text: &String| lookup_choices(kind.clone(), text.clone()));
    let list_id = format!("{name}-choices");
    view! {
        <input
            id=name.clone()
            name=name
            type="search"
            autocomplete="off"
            list=list_id.clone()
            value=value
            placeholder=placeholder
            on:input=move |ev| {
                suggest.dispatch(event_target_value(&ev));
            }
        />
        <datalist id=list_id>
            {move || {
                suggest
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, label)| view! { <option value=label></option> })
                    .collect_view()
            }}
        </datalist>
    }
}
