//! A timeline page as the record pages and the activity feed show it:
//! its lines, then links to the older page and back to the newest. The
//! links are plain `?before=` URLs, so paging works without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::model::TimelineShown;

/// The page's `?before=`, as the server function takes it.
pub fn before_param() -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || query.get().get("before")
}

/// The lines of `timeline` in an `<ol class=…>`, and its paging links.
/// `keep` is the rest of the query to carry along (the feed's filter).
pub fn timeline_list(timeline: TimelineShown, class: &'static str, keep: String) -> impl IntoView {
    let href = move |before: Option<&str>| {
        let mut q: Vec<String> = (!keep.is_empty())
            .then(|| keep.clone())
            .into_iter()
            .collect();
        q.extend(before.map(|b| format!("before={b}")));
        format!("?{}", q.join("&"))
    };
    let newest = timeline.paged.then(|| href(None));
    let older = timeline.older.as_deref().map(|b| href(Some(b)));
    view! {
        <ol class=class inner_html=timeline.lines.0></ol>
        {(newest.is_some() || older.is_some()).then(|| view! {
            <nav class="timeline-pages" aria-label="Timeline pages">
                {newest.map(|h| view! { <a href=h rel="first">"Newest"</a> })}
                {older.map(|h| view! { <a href=h rel="next">"Older"</a> })}
            </nav>
        })}
    }
}
