//! Sequences: the list with its funnel, the editor with a preview, and the
//! contact page's panel for enrolling, pausing and unenrolling.

use crate::components::{PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::{
    components::{ChoiceSelect, ErrorNote},
    model::{
        EnrollmentStatus, EnrollmentView, SendDecision, SendingPause, Sequence, SequenceMetrics,
        SequenceStatus, SuppressionReason,
    },
    server_fns::sequences::{
        load_sequence_editor, load_sequences, ChangeEnrollment, EnrollContact, PreviewStep,
        ResolveSend, ResumeSending, SaveSequence, SetSequenceStatus,
    },
};

const DAYS: [(i32, &str); 7] = [
    (1, "Mon"),
    (2, "Tue"),
    (3, "Wed"),
    (4, "Thu"),
    (5, "Fri"),
    (6, "Sat"),
    (7, "Sun"),
];

#[component]
pub fn SequencesPage() -> impl IntoView {
    let status = Posted::<SetSequenceStatus>::new();
    let resolve = Posted::<ResolveSend>::new();
    let resume = Posted::<ResumeSending>::new();
    let data = resource(|| (), |_| load_sequences());
    view! {
        <Title text="Sequences" />
        <h1>"Sequences"</h1>
        <a class="button" href="/sequences/new">"New sequence"</a>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(o) => view! {
                        {o.paused.map(|p| view! { <PauseBanner pause=p resume /> })}
                        {(!o.decisions.is_empty()).then(|| view! { <Decisions sends=o.decisions.clone() resolve /> })}
                        {o.sequences.is_empty().then(|| view! { <p class="quiet">"No sequences yet."</p> })}
                        <div class="sequence-list">
                            {o.sequences.into_iter().map(|m| view! { <SequenceCard m status /> }).collect_view()}
                        </div>
                        <section class="card inbound" aria-labelledby="inbound-h">
                            <h2 id="inbound-h">"Inbound mail"</h2>
                            {o.inbound.is_empty().then(|| view! { <p class="quiet">"None yet."</p> })}
                            <ul>
                                {o.inbound.into_iter().map(|m| {
                                    let matched = if m.enrollment_id.is_some() { "reply to a sequence" } else { "not matched to a sequence" };
                                    view! {
                                        <li data-inbound=m.id.to_string()>
                                            <time>{crate::model::format::utc_minute(m.received_at)}</time>" "
                                            <strong>{m.from_email.clone()}</strong>" · "
                                            {m.subject.clone().unwrap_or_else(|| "(no subject)".into())}" · "
                                            <span class="quiet">{matched}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Sending is stopped: until when and why; a person may resume it.
#[component]
fn PauseBanner(pause: SendingPause, resume: Posted<ResumeSending>) -> impl IntoView {
    let until = match pause.until {
        Some(t) => format!("until {}", crate::model::format::utc_minute(t)),
        None => "until someone resumes it".into(),
    };
    view! {
        <section class="card warning" role="status" data-paused>
            <h2>"Sending paused"</h2>
            <p>{format!("No sequence email goes out {until}. Why: {}", pause.reason)}</p>
            <PostForm action=resume>
                <button type="submit" class="secondary" id="resume-sending">"Resume sending"</button>
            </PostForm>
            {move || resume.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
        </section>
    }
}

/// Sends a person must decide about, with what is known and the choices.
#[component]
fn Decisions(sends: Vec<SendDecision>, resolve: Posted<ResolveSend>) -> impl IntoView {
    view! {
        <section class="card warning" aria-labelledby="review-h">
            <h2 id="review-h">"Sends to decide"</h2>
            <p>"Their outcome is unknown, or the provider refused them: nothing is re-sent blindly."</p>
            {move || resolve.value().get().and_then(Result::err).map(|e| view! { <ErrorNote error=e /> })}
            <ul class="decisions">{sends.into_iter().map(|s| {
                let known = format!(
                    "{} · {} · {} · {} attempt{}{}",
                    s.to_email,
                    s.step.map(|n| format!("step {}", n + 1)).unwrap_or_else(|| "drafted email".into()),
                    s.status,
                    s.attempts,
                    if s.attempts == 1 { "" } else { "s" },
                    s.last_error.as_deref().map(|e| format!(" · last answer: {e}")).unwrap_or_default(),
                );
                let id = s.id.to_string();
                let again = s.can_send_again.then(|| {
                    let id = id.clone();
                    view! {
                        <PostForm action=resolve attr:class="inline">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="action" value="send_again" />
                            <button type="submit" class="secondary">"Send again under the same key"</button>
                        </PostForm>
                    }
                });
                let (mark_id, drop_id) = (id.clone(), id.clone());
                view! {
                    <li data-send=id>
                        <p class="known">{known}</p>
                        <PostForm action=resolve attr:class="inline">
                            <input type="hidden" name="id" value=mark_id />
                            <input type="hidden" name="action" value="mark_sent" />
                            <label>"Provider id " <input name="provider_id" value=s.provider_id.clone().unwrap_or_default() /></label>
                            <button type="submit" class="secondary">"Mark as sent"</button>
                        </PostForm>
                        {again}
                        <PostForm action=resolve attr:class="inline">
                            <input type="hidden" name="id" value=drop_id />
                            <input type="hidden" name="action" value="drop" />
                            <button type="submit" class="secondary">"Drop this step"</button>
                        </PostForm>
                    </li>
                }
            }).collect_view()}</ul>
        </section>
    }
}

#[component]
fn SequenceCard(m: SequenceMetrics, status: Posted<SetSequenceStatus>) -> impl IntoView {
    let base = m.sent.max(1);
    let pct = |n: i64| n * 100 / base;
    let toggle = match m.status {
        SequenceStatus::Active => SequenceStatus::Paused,
        SequenceStatus::Paused => SequenceStatus::Active,
    };
    let funnel = [
        ("sent", m.sent),
        ("opened", m.opened),
        ("clicked", m.clicked),
        ("replied", m.replied),
    ];
    view! {
        <section class="card sequence" data-sequence=m.id.to_string()>
            <h2><a href=format!("/sequences/{}", m.id)>{m.name.clone()}</a></h2>
            <p class="meta">
                <span class=format!("status {}", m.status)>{m.status.as_str()}</span>
                {format!(" · {} steps · {} enrolled · {} active", m.steps, m.enrolled, m.active)}
            </p>
            <dl class="funnel">
                {funnel.into_iter().map(|(label, n)| view! {
                    <div class="funnel-row" data-metric=label>
                        <dt>{label}</dt>
                        <dd>
                            <span class="funnel-bar" style=format!("width: {}%", pct(n)) aria-hidden="true"></span>
                            <span class="n">{n}</span>
                        </dd>
                    </div>
                }).collect_view()}
            </dl>
            <p class="meta">{format!("{} bounced · {} unsubscribed", m.bounced, m.unsubscribed)}</p>
            <PostForm action=status>
                <input type="hidden" name="id" value=m.id.to_string() />
                <input type="hidden" name="status" value=toggle.as_str() />
                <button type="submit" class="secondary">{if toggle == SequenceStatus::Paused { "Pause" } else { "Resume" }}</button>
            </PostForm>
        </section>
    }
}

#[component]
pub fn SequenceEditPage() -> impl IntoView {
    let params = use_params_map();
    let save = Posted::<SaveSequence>::new();
    let data = resource(
        move || params.get().get("id"),
        |id| load_sequence_editor(id.and_then(|i| i.parse().ok())),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <Title text="Sequence" /><ErrorNote error=e /> }.into_any(),
                    Ok(d) => view! { <Editor sequence=d.sequence contacts=d.contacts save /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Editor(
    sequence: Option<Sequence>,
    contacts: Vec<(Uuid, String)>,
    save: Posted<SaveSequence>,
) -> impl IntoView {
    let error = move || save.value().get().and_then(|r| r.err());
    let field_error = move |f: String| move || error().and_then(|e| e.for_field(&f));
    let general = move || {
        error()
            .filter(|e| e.field().is_none())
            .map(|e| e.to_string())
    };
    let title = sequence
        .as_ref()
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "New sequence".into());
    let id = sequence.as_ref().map(|s| s.id);
    let mut steps = sequence
        .as_ref()
        .map(|s| s.steps.clone())
        .unwrap_or_default();
    // Room for one more step (three for a new sequence).
    let blanks = if steps.is_empty() { 3 } else { 1 };
    for _ in 0..blanks {
        steps.push(crate::model::Step {
            delay_days: if steps.is_empty() { 0 } else { 2 },
            business_days: false,
            subject: String::new(),
            body: String::new(),
            intent: None,
        });
    }
    let s = sequence.clone();
    let weekdays = s
        .as_ref()
        .map(|s| s.weekdays.clone())
        .unwrap_or_else(|| vec![1, 2, 3, 4, 5]);
    let time = |t: Option<chrono::NaiveTime>, d: &str| {
        t.map(|t| t.format("%H:%M").to_string())
            .unwrap_or_else(|| d.into())
    };
    view! {
        <Title text=title.clone() />
        <h1>{title}</h1>
        <PostForm action=save attr:class="card sequence-form">
            <input type="hidden" name="form[id]" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <div class="field">
                <label for="seq-name">"Name"</label>
                <input id="seq-name" name="form[name]" required value=s.as_ref().map(|s| s.name.clone()).unwrap_or_default() />
                <p class="field-error" role="alert">{field_error("name".into())}</p>
            </div>
            <fieldset class="window">
                <legend>"Send window"</legend>
                <label for="window-start">"From"</label>
                <input id="window-start" type="time" name="form[window_start]" value=time(s.as_ref().map(|s| s.window_start), "09:00") />
                <label for="window-end">"to"</label>
                <input id="window-end" type="time" name="form[window_end]" value=time(s.as_ref().map(|s| s.window_end), "17:00") />
                <label for="time-zone">"Time zone"</label>
                <input id="time-zone" name="form[time_zone]" value=s.as_ref().map(|s| s.time_zone.clone()).unwrap_or_else(|| "UTC".into()) />
                <p class="field-error" role="alert">{field_error("window_end".into())}</p>
                <div class="days">
                    {DAYS.iter().enumerate().map(|(i, (n, label))| {
                        let checked = weekdays.contains(n);
                        view! {
                            <label class="check">
                                <input type="checkbox" name=format!("form[weekdays][{i}]") value=n.to_string() checked=checked />
                                {*label}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <p class="field-error" role="alert">{field_error("weekdays".into())}</p>
            </fieldset>
            <ol class="steps">
                {steps.into_iter().enumerate().map(|(i, st)| {
                    let n = |f: &str| format!("form[steps][{i}][{f}]");
                    let idp = |f: &str| format!("step-{i}-{f}");
                    view! {
                        <li class="step">
                            <h3>{format!("Step {}", i + 1)}</h3>
                            <label for=idp("delay")>"Wait (days)"</label>
                            <input id=idp("delay") name=n("delay_days") type="number" min="0" max="365" value=st.delay_days.to_string() />
                            <label class="check">
                                <input type="checkbox" name=n("business_days") value="1" checked=st.business_days />
                                "business days"
                            </label>
                            <p class="field-error" role="alert">{field_error(format!("steps.{i}.delay_days"))}</p>
                            <label for=idp("subject")>"Subject"</label>
                            <input id=idp("subject") name=n("subject") value=st.subject.clone() />
                            <p class="field-error" role="alert">{field_error(format!("steps.{i}.subject"))}</p>
                            <label for=idp("body")>"Body"</label>
                            <textarea id=idp("body") name=n("body") rows="5">{st.body.clone()}</textarea>
                            <p class="field-error" role="alert">{field_error(format!("steps.{i}.body"))}</p>
                            <label for=idp("intent")>"What it is for (guides a personalised draft)"</label>
                            <input id=idp("intent") name=n("intent") value=st.intent.clone().unwrap_or_default() />
                        </li>
                    }
                }).collect_view()}
            </ol>
            <label class="check">
                <input type="checkbox" id="personalised" name="form[personalised]" value="1"
                    checked=s.as_ref().is_some_and(|s| s.personalised) />
                "Personalise each email with arlo's model (the template is the fallback)"
            </label>
            <p class="hint">"Tokens: {{first_name}}, {{last_name}}, {{full_name}}, {{company}}, {{job_title}}, {{sender_name}}. Leave a step's subject and body empty to drop it."</p>
            <p class="error" role="alert">{general}</p>
            <button type="submit" id="save-sequence">"Save sequence"</button>
            <p class="saved" role="status">{move || save.succeeded().then_some("Saved.")}</p>
        </PostForm>
        {sequence.map(|s| view! { <Preview sequence=s contacts /> })}
    }
}

#[component]
fn Preview(sequence: Sequence, contacts: Vec<(Uuid, String)>) -> impl IntoView {
    let preview = Posted::<PreviewStep>::new();
    view! {
        <section class="card" aria-labelledby="preview-h">
            <h2 id="preview-h">"Preview"</h2>
            <PostForm action=preview attr:class="filters">
                <input type="hidden" name="sequence" value=sequence.id.to_string() />
                <label for="preview-step">"Step"</label>
                <select id="preview-step" name="step">
                    {(0..sequence.steps.len()).map(|i| view! { <option value=i.to_string()>{format!("Step {}", i + 1)}</option> }).collect_view()}
                </select>
                <label for="preview-contact">"Contact"</label>
                <select id="preview-contact" name="contact">
                    {contacts.into_iter().map(|(id, n)| view! { <option value=id.to_string()>{n}</option> }).collect_view()}
                </select>
                <button type="submit" class="secondary" id="preview">"Preview"</button>
            </PostForm>
            {move || preview.value().get().map(|r| match r {
                Ok(d) => view! {
                    <article class="preview">
                        <p><strong>"Subject: "</strong><span class="preview-subject">{d.subject}</span></p>
                        <pre class="preview-body">{d.text}</pre>
                    </article>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

/// The contact page's sequences: enrollments with their state and
/// controls, and a form to enroll in another.
#[component]
pub fn SequencesPanel(
    contact: Uuid,
    enrollments: Vec<EnrollmentView>,
    sequences: Vec<(Uuid, String)>,
    suppressed: Option<SuppressionReason>,
    enroll: Posted<EnrollContact>,
    change: Posted<ChangeEnrollment>,
) -> impl IntoView {
    let error = move || {
        enroll
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    view! {
        <section class="card" aria-labelledby="sequences-h">
            <h2 id="sequences-h">"Sequences"</h2>
            {suppressed.map(|why| view! { <p class="warning-text" data-field="suppressed">{format!("Never emailed: {why}.")}</p> })}
            {enrollments.is_empty().then(|| view! { <p class="quiet">"Not enrolled."</p> })}
            <ul class="enrollments">
                {enrollments.into_iter().map(|v| {
                    let e = v.enrollment;
                    let state = match (e.status, e.stop_reason) {
                        (s, Some(r)) if s != EnrollmentStatus::Active => format!("{s} ({})", r.describe()),
                        (s, _) => s.to_string(),
                    };
                    let next = e.next_due_at.map(|t| format!(" · next {}", crate::model::format::utc_minute(t))).unwrap_or_default();
                    let live = e.status.is_live();
                    let pause = if e.status == EnrollmentStatus::Active { "pause" } else { "resume" };
                    view! {
                        <li data-enrollment=e.id.to_string()>
                            <strong>{v.sequence_name.clone()}</strong>
                            {format!(" · step {} of {} · ", (e.current_step + 1).min(v.steps), v.steps)}
                            <span class="enrollment-status">{state}</span>
                            {next}
                            {live.then(|| view! {
                                <PostForm action=change attr:class="inline">
                                    <input type="hidden" name="id" value=e.id.to_string() />
                                    <input type="hidden" name="action" value=pause />
                                    <button type="submit" class="secondary">{if pause == "pause" { "Pause" } else { "Resume" }}</button>
                                </PostForm>
                                <PostForm action=change attr:class="inline">
                                    <input type="hidden" name="id" value=e.id.to_string() />
                                    <input type="hidden" name="action" value="unenroll" />
                                    <button type="submit" class="secondary">"Unenroll"</button>
                                </PostForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <PostForm action=enroll attr:class="filters enroll">
                <input type="hidden" name="contact" value=contact.to_string() />
                <label for="sequence">"Enroll in"</label>
                <ChoiceSelect name="sequence" choices=sequences />
                <button type="submit" id="enroll">"Enroll"</button>
            </PostForm>
            <p class="field-error" role="alert" id="enroll-error">{error}</p>
        </section>
    }
}
