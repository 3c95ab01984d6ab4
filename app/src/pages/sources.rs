//! Settings → Sources: where data flows in by itself. Website forms (each
//! with its address and a snippet to paste into the site) and the
//! meeting-notes webhook (its address; its secret set once, never shown).

use crate::components::{PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::pages::settings::SettingsNav;
use crate::{
    components::ErrorNote,
    model::{FormSettings, IngestSource, SourceKind, SourcesView},
    server_fns::sources::{
        load_sources, ConnectCalendar, ConnectMailbox, CreateForm, SetNotesSecret,
    },
};

#[component]
pub fn SourcesPage() -> impl IntoView {
    let create = Posted::<CreateForm>::new();
    let secret = Posted::<SetNotesSecret>::new();
    let mailbox = Posted::<ConnectMailbox>::new();
    let calendar = Posted::<ConnectCalendar>::new();
    let data = resource(|| (), |_| load_sources());
    view! {
        <Title text="Sources" />
        <h1>"Sources"</h1>
        <SettingsNav />
        <p class="lede">"Where contacts, activity and notes flow in without anyone typing them."</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(v) => view! { <Sources v create secret mailbox calendar /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Sources(
    v: SourcesView,
    create: Posted<CreateForm>,
    secret: Posted<SetNotesSecret>,
    mailbox: Posted<ConnectMailbox>,
    calendar: Posted<ConnectCalendar>,
) -> impl IntoView {
    let calendars: Vec<IngestSource> = v
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Caldav)
        .cloned()
        .collect();
    let boxes: Vec<IngestSource> = v
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Imap)
        .cloned()
        .collect();
    let can_store = v.secrets_configured;
    let forms: Vec<IngestSource> = v
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Form)
        .cloned()
        .collect();
    let notes = v
        .sources
        .iter()
        .find(|s| s.kind == SourceKind::Quill)
        .cloned();
    let notes_url = format!("{}/webhooks/quill/{}", v.base_url, v.client_slug);
    let base = v.base_url.clone();
    let sequences = v.sequences.clone();
    view! {
        <section class="card" aria-labelledby="forms-h">
            <h2 id="forms-h">"Website forms"</h2>
            <ul class="forms">
                {forms.into_iter().map(|f| {
                    let settings: FormSettings = serde_json::from_value(f.settings.clone()).unwrap_or_default();
                    let action = format!("{base}/ingest/forms/{}", f.public_key.clone().unwrap_or_default());
                    let snippet = settings.snippet(&action);
                    let origins = settings.allowed_origins.join(", ");
                    view! {
                        <li class="form-source">
                            <h3>{f.name.clone()}</h3>
                            <p>"Posts to " <code class="form-action">{action}</code></p>
                            <p>"Accepted from: " {if origins.is_empty() { "any site".to_string() } else { origins }}</p>
                            {settings.sequence_id.and_then(|id| sequences.iter().find(|(s, _)| *s == id)).map(|(_, n)| view! {
                                <p class="enrols">"Enrols new people in " {n.clone()}</p>
                            })}
                            <p>"Paste into your site:"</p>
                            <pre class="snippet"><code>{snippet}</code></pre>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <PostForm action=create attr:class="new-form">
                <h3>"New form"</h3>
                <label for="form-name">"Name"</label>
                <input id="form-name" name="name" required />
                <label for="form-origins">"Sites allowed to post (one origin per line)"</label>
                <textarea id="form-origins" name="origins" rows="2" placeholder="https://example.com"></textarea>
                <label for="form-thanks">"Thank-you page (optional)"</label>
                <input id="form-thanks" name="thank_you_url" placeholder="https://example.com/thanks" />
                <label for="form-sequence">"Enrol new people in"</label>
                <select id="form-sequence" name="sequence">
                    <option value="">"no sequence"</option>
                    {v.sequences.iter().map(|(id, n)| view! { <option value=id.to_string()>{n.clone()}</option> }).collect_view()}
                </select>
                <fieldset class="field-names">
                    <legend>"Field names in your site's form (blank: the usual ones)"</legend>
                    {[("email", "email"), ("first_name", "first name"), ("last_name", "last name"), ("company", "company"), ("message", "message")]
                        .into_iter()
                        .map(|(key, label)| view! {
                            <label for=format!("field-{key}")>{label}</label>
                            <input id=format!("field-{key}") name=format!("fields[{key}]") placeholder=key />
                        })
                        .collect_view()}
                </fieldset>
                <button type="submit" id="create-form">"Create form"</button>
                {move || create.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
            </PostForm>
        </section>
        <section class="card" aria-labelledby="mail-h">
            <h2 id="mail-h">"Mailboxes (IMAP)"</h2>
            <p>"Mail syncs every minute: people you write to and hear from become contacts; their mail goes on their timelines."</p>
            <ul class="mailboxes">
                {boxes.into_iter().map(|b| {
                    let privacy = b.settings["privacy"].as_str().unwrap_or("full").to_string();
                    view! { <li class="mailbox">{b.name.clone()} " · " {privacy}
                        {if b.has_secret { " · password stored" } else { " · no password" }}</li> }
                }).collect_view()}
            </ul>
            {v.oauth_providers.iter().filter(|_| can_store).map(|name| {
                let action = format!("/oauth/mail/{name}/start");
                let id = format!("oauth-{name}");
                view! {
                    <form method="get" action=action class="connect-oauth">
                        <label for=id.clone()>"Your address"</label>
                        <input id=id name="address" type="email" required />
                        <button type="submit">{format!("Connect with {name}")}</button>
                    </form>
                }
            }).collect_view()}
            {can_store.then(|| view! {
                <PostForm action=mailbox attr:class="connect-mailbox">
                    <label for="mb-address">"Your address"</label>
                    <input id="mb-address" name="address" type="email" required />
                    <label for="mb-host">"IMAP server"</label>
                    <input id="mb-host" name="host" placeholder="imap.example.com" required />
                    <label for="mb-port">"Port"</label>
                    <input id="mb-port" name="port" value="993" />
                    <label for="mb-user">"User name"</label>
                    <input id="mb-user" name="username" autocomplete="off" required />
                    <label for="mb-password">"Password (or app password)"</label>
                    <input id="mb-password" name="password" type="password" autocomplete="off" required />
                    <label for="mb-privacy">"Keep"</label>
                    <select id="mb-privacy" name="privacy">
                        <option value="full">"sender, subject and text"</option>
                        <option value="subject">"sender and subject"</option>
                        <option value="metadata">"sender and date only"</option>
                    </select>
                    <label class="check"><input type="checkbox" name="share" value="1" />" Colleagues may read the text"</label>
                    <button type="submit" id="connect-mailbox">"Connect mailbox"</button>
                    {move || mailbox.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
                </PostForm>
            })}
        </section>
        <section class="card" aria-labelledby="cal-h">
            <h2 id="cal-h">"Calendars (CalDAV)"</h2>
            <p>"Meetings with people outside the company go on their timelines and show as upcoming on their pages."</p>
            <ul class="calendars">
                {calendars.into_iter().map(|c| view! { <li class="calendar">{c.name.clone()}</li> }).collect_view()}
            </ul>
            {can_store.then(|| view! {
                <PostForm action=calendar attr:class="connect-calendar">
                    <label for="cal-url">"Calendar address (CalDAV)"</label>
                    <input id="cal-url" name="url" placeholder="https://caldav.example.com/you/work/" required />
                    <label for="cal-address">"Your address"</label>
                    <input id="cal-address" name="address" type="email" required />
                    <label for="cal-user">"User name"</label>
                    <input id="cal-user" name="username" autocomplete="off" required />
                    <label for="cal-password">"Password (or app password)"</label>
                    <input id="cal-password" name="password" type="password" autocomplete="off" required />
                    <button type="submit" id="connect-calendar">"Connect calendar"</button>
                    {move || calendar.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
                </PostForm>
            })}
        </section>
        <section class="card" aria-labelledby="notes-h">
            <h2 id="notes-h">"Meeting notes (Quill)"</h2>
            <p>"Webhook address: " <code>{notes_url}</code></p>
            <p class="notes-secret">{match notes.as_ref().map(|n| n.has_secret) {
                Some(true) => "A signing secret is set (it is never shown again).",
                _ => "No signing secret yet: deliveries are refused until one is set.",
            }}</p>
            {v.secrets_configured.then(|| view! {
                <PostForm action=secret attr:class="inline">
                    <label for="notes-secret">"Signing secret"</label>
                    <input id="notes-secret" name="secret" type="password" autocomplete="off" minlength="16" />
                    <button type="submit">"Save secret"</button>
                </PostForm>
            })}
            {(!v.secrets_configured).then(|| view! {
                <p class="refused">"Secrets cannot be stored until the server has REDKEY_SECRET_KEY."</p>
            })}
            {move || secret.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
        </section>
    }
}
