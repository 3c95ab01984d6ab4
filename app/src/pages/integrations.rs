//! Settings → Integrations: each outside API the client uses — where it
//! is, where its key comes from (never the key), its rate limit, and how
//! its calls went — with an admin's form to point it elsewhere or give it
//! a key of its own.

use crate::components::{PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::ErrorNote,
    model::{AppError, Integration},
    pages::settings::SettingsNav,
    server_fns::integrations::{load_integrations, SaveIntegration},
};

fn at(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(crate::model::format::utc_minute)
        .unwrap_or_else(|| "never".into())
}

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let save = Posted::<SaveIntegration>::new();
    let data = resource(|| (), |_| load_integrations());
    let error = move || save.value().get().and_then(|r| r.err());
    view! {
        <Title text="Integrations" />
        <h1>"Integrations"</h1>
        <SettingsNav />
        <p class="lede">
            "Every outside service arlo calls for this client. A change here is used from the next call on."
        </p>
        {move || error().map(|e: AppError| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="quiet" data-integrations="none">
                            "None yet: each appears the first time arlo uses it."
                        </p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="integrations">
                            {list.into_iter().map(|i| view! { <Entry i save /> }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Entry(i: Integration, save: Posted<SaveIntegration>) -> impl IntoView {
    let state = if i.failing() {
        "failing"
    } else if i.last_success_at.is_some() {
        "ok"
    } else {
        "unused"
    };
    let rate = i.error_rate();
    let key = if i.key_set_here {
        format!("a key set here ({})", at(i.key_set_at))
    } else {
        i.secret_ref.clone()
    };
    let id = i.id.to_string();
    // A mailbox's or calendar's address and credential belong to its source.
    let source = matches!(i.provider.as_str(), "imap" | "caldav");
    let (base_url, key_set_here) = (i.base_url.clone(), i.key_set_here);
    let rate_limit = i.rate_per_minute.map(|r| r.to_string()).unwrap_or_default();
    let (url_id, rate_id, key_id) = (
        format!("base_url-{id}"),
        format!("rate-{id}"),
        format!("key-{id}"),
    );
    view! {
        <li class="card integration" data-integration=format!("{}/{}", i.provider, i.name) data-state=state>
            <h2>{format!("{} — {}", i.name, i.provider)} " " <span class="mark">{state}</span></h2>
            <dl>
                <dt>"Address"</dt><dd>{i.base_url.clone()}</dd>
                <dt>"Key"</dt><dd>{key}</dd>
                <dt>"Rate limit"</dt>
                <dd>{i.rate_per_minute.map(|r| format!("{r} a minute")).unwrap_or_else(|| "none".into())}</dd>
                <dt>"Last success"</dt><dd>{at(i.last_success_at)}</dd>
                <dt>"Last error"</dt>
                <dd>{at(i.last_error_at)} " " <span class="error-text">{i.last_error.clone().unwrap_or_default()}</span></dd>
                <dt>"Last 24 hours"</dt>
                <dd>
                    {format!("{} calls, {} failed", i.calls_24h, i.errors_24h)}
                    {rate.map(|r| view! {
                        " " <meter min="0" max="100" low="5" high="20" optimum="0" value=r
                            title=format!("{r:.0}% failed")></meter>
                        {format!(" {r:.0}%")}
                    })}
                </dd>
            </dl>
            {source.then(|| view! {
                <p class="quiet">"Its address and credential are a source's: change them under "
                    <a href="/settings/sources">"Sources"</a> "."</p>
            })}
            {(!source).then(move || view! {
                <PostForm action=save attr:class="filters integration-form">
                    <input type="hidden" name="id" value=id />
                    <label for=url_id.clone()>"Address"</label>
                    <input id=url_id name="base_url" value=base_url required />
                    <label for=rate_id.clone()>"Calls a minute"</label>
                    <input id=rate_id name="rate_per_minute" inputmode="numeric" value=rate_limit />
                    <label for=key_id.clone()>"New key"</label>
                    <input id=key_id name="key" type="password" autocomplete="off" />
                    {key_set_here.then(|| view! {
                        <label><input type="checkbox" name="clear_key" value="on" />" Use the configured key"</label>
                    })}
                    <button type="submit">"Save"</button>
                </PostForm>
            })}
        </li>
    }
}
