//! Settings → Onboarding: the client's five onboarding steps as its own
//! views see them (what `redkey client status` prints, minus a fresh ask
//! to Resend: the domain shows what Resend said when last asked).

use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::ErrorNote, model::OnboardingChecklist, pages::settings::SettingsNav,
    server_fns::settings::load_onboarding,
};

#[component]
pub fn OnboardingPage() -> impl IntoView {
    let data = resource(|| (), |_| load_onboarding());
    view! {
        <Title text="Onboarding" />
        <h1>"Onboarding"</h1>
        <SettingsNav />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(list) => view! { <Checklist list /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Step(id: &'static str, title: &'static str, done: bool, children: Children) -> impl IntoView {
    view! {
        <li class="card onboarding-step" data-step=id data-state=if done { "done" } else { "todo" }>
            <h2>
                <span class="mark">{if done { "✓ done" } else { "to do" }}</span>
                " " {title}
            </h2>
            {children()}
        </li>
    }
}

#[component]
fn Checklist(list: OnboardingChecklist) -> impl IntoView {
    let (public, slug) = (&list.public_url, &list.slug);
    let form = list
        .form_key
        .as_ref()
        .map(|key| format!("POST {public}/ingest/forms/{key}"));
    let webhook = format!("{public}/webhooks/resend/{slug}");
    let notes = format!("{public}/webhooks/quill/{slug}");
    let status_command =
        format!("The DNS records still missing: redkey client status --client {slug}");
    let admins_ok = list.admins > 0;
    let domain_ok = list.sending_domain_status.as_deref() == Some("verified");
    let checked = list
        .sending_domain_checked_at
        .map(|t| format!(" (Resend, {})", crate::model::format::utc_minute(t)))
        .unwrap_or_default();
    view! {
        <ol class="onboarding">
            <Step id="database" title="Database" done=true>
                <p>{format!("Schema {}: the same tables and views as every client.", list.schema)}</p>
            </Step>
            <Step id="workspace" title="Workspace" done=true>
                <p>{format!("{} ({}); arlo works only within it.", list.name, list.slug)}</p>
            </Step>
            <Step id="cockpit" title="Cockpit" done=list.pipeline.is_some() && admins_ok>
                <p>{match &list.pipeline {
                    Some(name) => format!("Pipeline {name} with {} stages.", list.stages),
                    None => "No pipeline yet: add one under Pipelines.".into(),
                }}</p>
                <p>{match (list.admins, list.admins_invited) {
                    (0, 0) => "No admin yet: invite one under Members.".to_string(),
                    (0, n) => format!("{n} admin invitation(s) waiting to be accepted."),
                    (n, _) => format!("{n} admin(s)."),
                }}</p>
            </Step>
            <Step id="ingestion" title="Ingestion" done=form.is_some()>
                <dl>
                    <dt>"Website form"</dt>
                    <dd>{match form {
                        Some(url) => view! { <code>{url}</code> }.into_any(),
                        None => view! { "none yet: add a form under Sources" }.into_any(),
                    }}</dd>
                    <dt>"Resend webhook"</dt>
                    <dd><code>{webhook}</code></dd>
                    <dt>"Meeting notes"</dt>
                    <dd><code>{notes}</code></dd>
                </dl>
            </Step>
            <Step id="sending-domain" title="Sending domain" done=domain_ok>
                <p>{match (&list.sending_domain, &list.sending_domain_status) {
                    (None, _) => "None set: onboard with --sending-domain.".to_string(),
                    (Some(d), None) => format!("{d}: not asked at Resend yet."),
                    (Some(d), Some(s)) => format!("{d}: {s}{checked}."),
                }}</p>
                {(!domain_ok).then(|| view! { <p>{status_command}</p> })}
            </Step>
        </ol>
    }
}
