//! "Tell arlo": on every page, a box for one sentence to arlo, about the
//! record the page shows unless the sentence names another; what came of
//! it (the changes, old → new, or arlo's question back) shows beside it.
//!
//! Every page carries the box; telling arlo and showing what came of it
//! come with the frame's tools ([`super::tools`]), fetched the first time
//! the box is focused or a sentence is sent.

use super::{PostForm, Posted};
use leptos::prelude::*;
use uuid::Uuid;

use super::tools::{frame_tool, Tool};
use crate::{
    model::{AnsweredBy, AppError, AppliedChange, InstructOutcome, RecordHit, RecordKind},
    server_fns::judgment::{instruction_outcome, tell_arlo, SendDraft, Told},
};

/// The record a cockpit path shows, if it shows one.
fn page_record(path: &str) -> Option<(RecordKind, Uuid)> {
    let mut parts = path.trim_matches('/').split('/');
    let kind = match parts.next()? {
        "contacts" => RecordKind::Contact,
        "companies" => RecordKind::Company,
        "deals" => RecordKind::Deal,
        _ => return None,
    };
    let id = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((kind, id))
}

pub fn record_href(kind: RecordKind, id: Uuid) -> String {
    match kind {
        RecordKind::Contact => format!("/contacts/{id}"),
        RecordKind::Company => format!("/companies/{id}"),
        RecordKind::Deal => format!("/deals/{id}"),
        RecordKind::Stage => "/pipeline".into(),
    }
}

/// Tells arlo, then waits for the outcome (each call waits a while on the
/// server), up to about a minute.
pub(super) async fn tell(
    text: String,
    about: Option<(RecordKind, Uuid)>,
) -> Result<Told, AppError> {
    let kind = about.map(|(k, _)| k.as_str().to_string());
    let task = tell_arlo(text, kind, about.map(|(_, id)| id)).await?;
    for _ in 0..6 {
        match instruction_outcome(task).await? {
            Told::Pending => continue,
            other => return Ok(other),
        }
    }
    Ok(Told::Pending)
}

/// The box, on the page at `path`.
#[island]
pub fn TellArlo(path: String) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let (pending, set_pending) = signal(false);
    let (sent, set_sent) = signal(None::<(String, Option<(RecordKind, Uuid)>)>);
    let about = page_record(&path);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = input.get().map(|i| i.value()).unwrap_or_default();
        if !text.trim().is_empty() && !pending.get_untracked() {
            set_pending.set(true);
            set_sent.set(Some((text, about)));
        }
    };
    // Someone who focuses the box is about to send: fetch the code now.
    let warm = move |_| {
        #[cfg(target_arch = "wasm32")]
        leptos::task::spawn_local(super::tools::__preload_frame_tool());
    };
    let hint = match about {
        Some((kind, _)) => format!("About this {kind}, or name another record…"),
        None => "e.g. Move the Volta deal to Negotiation, we're close — or ask: who should I recontact this week?".to_string(),
    };
    view! {
            <section class="tell-arlo" aria-label="Tell arlo">
                <form on:submit=on_submit>
                    <label for="tell-arlo">"Tell arlo"</label>
                    <input id="tell-arlo" name="text" node_ref=input autocomplete="off"
                        maxlength="2000" placeholder=hint on:focus=warm />
                    <button type="submit" id="tell-arlo-send" disabled=move || pending.get()>
                        {move || if pending.get() { "Telling…" } else { "Tell" }}
                    </button>
                </form>
                <div class="tell-outcome" role="status" aria-live="polite">
                    // The last outcome stays until the next one is in.
                    <Transition>
                        {move || sent.get().map(|(text, about)| Suspend::new(async move {
                            let shown = frame_tool(Tool::Told(text, about)).await;
                            set_pending.set(false);
                            shown
                        }))}
                    </Transition>
                </div>
            </section>
    }
}

pub(super) fn outcome(told: Result<Told, AppError>) -> AnyView {
    match told {
        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
        Ok(Told::Pending) => {
            view! { <p>"arlo is still on it; the Arlo page shows how it ends."</p> }.into_any()
        }
        Ok(Told::Failed(why)) => view! { <p class="error">{why}</p> }.into_any(),
        Ok(Told::Answered(a)) => {
            let by = answered_by(a.answered_by);
            view! {
                <p class="answer">{a.answer}</p>
                {a.draft_id.map(|id| view! { <DraftSend id /> })}
                {a.draft_note.map(|n| view! { <p class="refused">{n}</p> })}
                <ul class="records">{a.records.into_iter().map(candidate).collect_view()}</ul>
                <p class="answered-by">{by}</p>
            }
            .into_any()
        }
        Ok(Told::Done(r)) => {
            let by = format!(
                "answered by the {}",
                match r.answered_by.as_str() {
                    "model" => "model",
                    _ => "built-in interpreter",
                }
            );
            let body = match r.outcome {
                InstructOutcome::Done { changes } if changes.is_empty() => {
                    view! { <p class="done">"Nothing to change: that already stood."</p> }.into_any()
                }
                InstructOutcome::Done { changes } => view! {
                    <ul class="changes">{changes.into_iter().map(change).collect_view()}</ul>
                }
                .into_any(),
                InstructOutcome::Ask { question, candidates } => view! {
                    <p class="question">{question}</p>
                    <ul class="candidates">{candidates.into_iter().map(candidate).collect_view()}</ul>
                }
                .into_any(),
                InstructOutcome::Refused { reason } => {
                    view! { <p class="refused">{reason}</p> }.into_any()
                }
            };
            view! { {body} <p class="answered-by">{by}</p> }.into_any()
        }
    }
}

/// Send for a drafted email: nothing leaves until the founder clicks it.
#[component]
fn DraftSend(id: Uuid) -> impl IntoView {
    let send = Posted::<SendDraft>::new();
    let pending = RwSignal::new(false);
    view! {
        <PostForm action=send pending attr:class="inline draft-send">
            <input type="hidden" name="id" value=id.to_string() />
            <button type="submit" id="send-draft" disabled=move || pending.get()
                || matches!(send.value().get(), Some(Ok(())))>"Send"</button>
            {move || match send.value().get() {
                Some(Ok(())) => view! { <span class="sent">" Queued: it goes out with the next send."</span> }.into_any(),
                Some(Err(e)) => view! { <span class="error">{e.to_string()}</span> }.into_any(),
                None => ().into_any(),
            }}
        </PostForm>
    }
}

fn answered_by(by: AnsweredBy) -> String {
    match by {
        AnsweredBy::Model => "answered by the model".into(),
        AnsweredBy::BuiltIn => "answered by the built-in interpreter".into(),
    }
}

fn shown(v: Option<String>) -> String {
    match v {
        None => "—".into(),
        // Timestamps as their day: a recontact date is a day to a person.
        Some(t) if t.len() > 10 && t.as_bytes().get(10) == Some(&b'T') => t[..10].to_string(),
        Some(t) => t,
    }
}

fn change(c: AppliedChange) -> impl IntoView {
    let href = record_href(c.kind, c.id);
    let field = c.field.replace('_', " ");
    let text = format!(": {field} {} → {}", shown(c.old), shown(c.new));
    view! { <li><a href=href>{c.label}</a>{text}</li> }
}

fn candidate(h: RecordHit) -> impl IntoView {
    let href = record_href(h.kind, h.id);
    let detail = (!h.detail.is_empty()).then(|| format!(" — {}", h.detail));
    view! { <li><a href=href>{h.label}</a>{detail}</li> }
}
