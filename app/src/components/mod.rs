//! The frame around every signed-in page: navigation, client switcher,
//! sign-out, and the box to tell arlo.

#[cfg(feature = "ssr")]
pub mod charts;
mod islands;
mod lookup;
mod palette;
mod post_form;
mod tell_arlo;
mod tools;

pub use islands::{closest_data, FormPosts, Hydrated, Refresh};
pub use lookup::Lookup;
pub use palette::Palette;
#[cfg(feature = "ssr")]
pub use post_form::done_cookie_carried;
pub use post_form::{done_cookie, PostForm, Posted};
pub use tell_arlo::{record_href, TellArlo};

use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    model::{AppError, Me, Priority},
    server_fns::auth::{current_user, SignOut, SwitchClient},
};

type MeResource = Resource<Result<Option<Me>, AppError>>;

/// The signed-in user, reloaded on every navigation (signing in or out, or
/// switching client, changes it): one resource for the navigation and the
/// page, so a page that reads it too costs no second request.
#[component]
pub fn ProvideMe(children: Children) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let me: MeResource = Resource::new(move || location.pathname.get(), |_| current_user());
    provide_context(me);
    children()
}

/// The palette's link and shortcut, on every page but sign-in.
#[component]
pub fn FrameSearch() -> impl IntoView {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    (path != "/sign-in").then(|| view! { <Palette /> })
}

/// The box to tell arlo, on every page but sign-in, about the record the
/// page shows.
#[component]
pub fn FrameTellArlo() -> impl IntoView {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    (path != "/sign-in").then(|| view! { <TellArlo path /> })
}

/// The signed-in user provided by [`ProvideMe`].
pub fn use_me() -> MeResource {
    expect_context()
}

/// Twenty views the cockpit serves inside other pages (a record page, the
/// tables, the header's search, Settings): no navigation entry once retired.
const RECORD_TABS: [&str; 7] = [
    "deal_page",
    "import",
    "files",
    "export",
    "search",
    "pipeline_settings",
    "members",
];

#[component]
pub fn Nav() -> impl IntoView {
    let me = use_me();
    let sign_out = Posted::<SignOut>::new();
    let switch = Posted::<SwitchClient>::new();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => {
                        let several = me.clients.len() > 1;
                        let current = me.client.id.to_string();
                        view! {
                            <nav aria-label="Main" class="nav">
                                <ul>
                                    {me.views.iter().filter(|v| !(RECORD_TABS.contains(&v.key.as_str()) && v.in_cockpit())).filter_map(|v| {
                                        let href = v.href()?;
                                        let label = v.label.clone();
                                        Some(if v.in_cockpit() {
                                            view! { <li><A href=href>{label}</A></li> }.into_any()
                                        } else {
                                            view! {
                                                <li>
                                                    <a href=href class="twenty" rel="external">
                                                        {label} " ↗"
                                                    </a>
                                                </li>
                                            }.into_any()
                                        })
                                    }).collect_view()}
                                    <li><A href="/sequences">"Sequences"</A></li>
                                    <li><A href="/arlo">"Arlo"</A></li>
                                    <li>
                                        <A href="/suggestions">"Suggestions"</A>
                                        {(me.suggestions > 0).then(|| view! {
                                            <span class="badge" id="suggestion-count"
                                                aria-label=format!("{} open", me.suggestions)>
                                                {me.suggestions}
                                            </span>
                                        })}
                                    </li>
                                    <li><A href="/coverage">"Coverage"</A></li>
                                    <li><A href="/settings/pipelines">"Settings"</A></li>
                                </ul>
                            </nav>
                            <div class="who">
                                {several.then(|| view! {
                                    <PostForm action=switch attr:class="switcher">
                                        <label for="client-switch">"Client"</label>
                                        <select id="client-switch" name="client">
                                            {me.clients.iter().map(|c| {
                                                let id = c.id.to_string();
                                                let selected = id == current;
                                                view! { <option value=id selected=selected>{c.name.clone()}</option> }
                                            }).collect_view()}
                                        </select>
                                        <button type="submit" class="secondary">"Switch"</button>
                                    </PostForm>
                                })}
                                {(!several).then(|| view! { <span class="client-name">{me.client.name.clone()}</span> })}
                                <span class="user-name">{me.name.clone()}</span>
                                <PostForm action=sign_out>
                                    <button type="submit" class="secondary" id="sign-out">"Sign out"</button>
                                </PostForm>
                            </div>
                        }.into_any()
                    }
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}

/// A labelled input with its validation message underneath; `name` is
/// both the form field and the element id.
#[component]
pub fn TextField(
    name: &'static str,
    label: &'static str,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(into, optional)] value: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.for_field(name));
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input id=name name=name type=kind.unwrap_or("text") required=required value=value />
            <p class="field-error" role="alert" id=format!("{name}-error")>{message}</p>
        </div>
    }
}

/// The part of an action's error that belongs to no field.
pub fn general_error(error: Option<AppError>) -> Option<String> {
    error
        .filter(|e| !matches!(e, AppError::Invalid { field: Some(_), .. }))
        .map(|e| e.to_string())
}

/// An error message for a page body.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        match error {
            AppError::NotFound => resp.set_status(http::StatusCode::NOT_FOUND),
            AppError::Forbidden(_) => resp.set_status(http::StatusCode::FORBIDDEN),
            _ => {}
        }
    }
    let text = match &error {
        AppError::NotFound => "Not found.".to_string(),
        other => other.to_string(),
    };
    view! { <p class="error" role="alert">{text}</p> }
}

/// A select over (id, name) choices with a leading "none" option; `name`
/// is both the form field and the element id.
#[component]
pub fn ChoiceSelect(
    name: &'static str,
    choices: Vec<(Uuid, String)>,
    #[prop(optional_no_strip)] current: Option<Uuid>,
    #[prop(default = "—")] none: &'static str,
) -> impl IntoView {
    view! {
        <select id=name name=name>
            <option value="" selected=current.is_none()>{none}</option>
            {choices.into_iter().map(|(id, n)| {
                let sel = current == Some(id);
                view! { <option value=id.to_string() selected=sel>{n}</option> }
            }).collect_view()}
        </select>
    }
}

/// The priority select of the strategy forms (`—` is none).
#[component]
pub fn PrioritySelect(current: Option<Priority>) -> impl IntoView {
    view! {
        <select id="priority" name="priority">
            <option value="" selected=current.is_none()>"—"</option>
            {Priority::ALL.iter().map(|p| {
                let sel = current == Some(*p);
                view! { <option value=p.as_str() selected=sel>{p.as_str()}</option> }
            }).collect_view()}
        </select>
    }
}
