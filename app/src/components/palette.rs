//! The command palette: Ctrl-K (⌘K) anywhere, or the Search link, opens a
//! box that searches the client's contacts, companies, deals, notes and
//! to-dos as the person types; arrows move, Enter opens, Escape closes.
//! Without JavaScript the Search link is the search page.
//!
//! Every page carries the link and the shortcut; the box, its search and
//! its results come with the frame's tools ([`super::tools`]), fetched the
//! first time it opens.

use leptos::{ev, html, prelude::*};

use super::tools::{frame_tool, Tool};
use crate::{model::format::urlencode, server_fns::search::search_everything};

#[island]
pub fn Palette() -> impl IntoView {
    let (open, set_open) = signal(false);

    // Escape is heard here, not on the input: it closes the box wherever
    // the focus is, including before the focus has reached the input.
    let handle = window_event_listener(ev::keydown, move |e| {
        if (e.ctrl_key() || e.meta_key()) && e.key().eq_ignore_ascii_case("k") {
            e.prevent_default();
            set_open.set(true);
        } else if e.key() == "Escape" && open.get_untracked() {
            set_open.set(false);
        }
    });
    on_cleanup(move || handle.remove());
    let open_palette = move |e: ev::MouseEvent| {
        e.prevent_default();
        set_open.set(true);
    };

    view! {
        <a href="/search" class="search-link" on:click=open_palette
            aria-keyshortcuts="Control+K Meta+K">"Search "<kbd>"Ctrl K"</kbd></a>
        <Show when=move || open.get()>
            <Suspense>{move || Suspend::new(frame_tool(Tool::Palette(set_open)))}</Suspense>
        </Show>
    }
}

/// The open box: a new search each time it opens.
pub(super) fn palette_box(set_open: WriteSignal<bool>) -> AnyView {
    let (text, set_text) = signal(String::new());
    let (active, set_active) = signal(0usize);
    let input = NodeRef::<html::Input>::new();
    let search = Action::new(|q: &String| search_everything(q.clone()));
    // Only the answer to what the box says now (answers may overtake).
    let hits = Memo::new(move |_| {
        search
            .value()
            .get()
            .and_then(Result::ok)
            .filter(|(q, _)| *q == text.get())
            .map(|(_, hits)| hits)
            .unwrap_or_default()
    });
    let all_href = move || format!("/search?q={}", urlencode(text.get().trim()));
    // The input is built before its box is in the page, where focus()
    // does nothing: focus it on the next frame, once it is shown.
    input.on_load(|i| {
        request_animation_frame(move || {
            let _ = i.focus();
        })
    });

    // A hit opens its page; the page load closes the box.
    let go_to = Callback::new(move |href: String| {
        let _ = window().location().set_href(&href);
    });
    let on_key = move |e: ev::KeyboardEvent| {
        let n = hits.with_untracked(Vec::len);
        match e.key().as_str() {
            "ArrowDown" if n > 0 => {
                e.prevent_default();
                set_active.update(|a| *a = (*a + 1) % n);
            }
            "ArrowUp" if n > 0 => {
                e.prevent_default();
                set_active.update(|a| *a = (*a + n - 1) % n);
            }
            "Enter" => {
                e.prevent_default();
                let target = hits
                    .with_untracked(|h| h.get(active.get_untracked()).map(|h| h.href()))
                    .unwrap_or_else(all_href);
                set_open.set(false);
                go_to.run(target);
            }
            _ => {}
        }
    };
    let on_input = move |e: ev::Event| {
        let value = event_target_value(&e);
        set_text.set(value.clone());
        set_active.set(0);
        if !value.trim().is_empty() {
            search.dispatch(value);
        }
    };
    let option_id = |i: usize| format!("palette-hit-{i}");

    view! {
        <div class="palette-backdrop" on:click=move |_| set_open.set(false)></div>
        <div class="palette" role="dialog" aria-modal="true" aria-label="Search everywhere">
            <input
                id="palette-input"
                type="search"
                role="combobox"
                autocomplete="off"
                maxlength="200"
                aria-label="Search contacts, companies, deals, notes and to-dos"
                aria-expanded=move || (!hits.get().is_empty()).to_string()
                aria-controls="palette-results"
                aria-autocomplete="list"
                aria-activedescendant=move || (!hits.get().is_empty()).then(|| option_id(active.get()))
                placeholder="Search contacts, companies, deals, notes, to-dos…"
                node_ref=input
                prop:value=move || text.get()
                on:input=on_input
                on:keydown=on_key
            />
            <ul id="palette-results" role="listbox" aria-label="Results">
                {move || hits.get().into_iter().enumerate().map(|(i, h)| {
                    let selected = move || active.get() == i;
                    let href = h.href();
                    view! {
                        <li role="option" id=option_id(i) aria-selected=move || selected().to_string()
                            class:active=selected on:click=move |_| go_to.run(href.clone())>
                            <span class="kind">{h.kind.label()}</span>
                            {h.label.clone()}
                            <span class="detail">{h.detail.clone()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="palette-foot">
                <a href=all_href>"All results"</a>
                <span class="detail">" ↑↓ to move, Enter to open, Esc to close"</span>
            </p>
        </div>
    }
    .into_any()
}
